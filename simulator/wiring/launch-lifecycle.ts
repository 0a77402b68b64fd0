/** launchLifecycle: launch hook → warm-up command. */
import { createMain } from '../../functions/launch-lifecycle';
import { simLifecycleDeps } from './lifecycle-deps';
import type { FunctionWiring } from './types';

export const launchLifecycleWiring: FunctionWiring = {
  name: 'launchLifecycle',
  file: 'functions/launch-lifecycle.ts',
  trigger: { kind: 'events', events: ['launch-lifecycle'] },
  build: (p) => createMain(simLifecycleDeps(p)),
};
