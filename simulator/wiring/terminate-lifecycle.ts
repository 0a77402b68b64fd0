/** terminateLifecycle: terminate hook → drain command. */
import { createMain } from '../../functions/terminate-lifecycle';
import { simLifecycleDeps } from './lifecycle-deps';
import type { FunctionWiring } from './types';

export const terminateLifecycleWiring: FunctionWiring = {
  name: 'terminateLifecycle',
  file: 'functions/terminate-lifecycle.ts',
  trigger: { kind: 'events', events: ['terminate-lifecycle'] },
  build: (p) => createMain(simLifecycleDeps(p)),
};
