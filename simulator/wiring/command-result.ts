/** commandResult: warm-up / drain command status → complete the lifecycle action (or retry). */
import { createMain } from '../../functions/command-result';
import { simLifecycleDeps } from './lifecycle-deps';
import type { FunctionWiring } from './types';

export const commandResultWiring: FunctionWiring = {
  name: 'commandResult',
  file: 'functions/command-result.ts',
  trigger: { kind: 'events', events: ['command-status'] },
  build: (p) => createMain(simLifecycleDeps(p)),
};
