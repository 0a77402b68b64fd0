/** terminationPolicy: Auto Scaling's custom termination policy, invoked directly on scale-in. */
import { createMain, READ_BUDGET_MS } from '../../functions/termination-policy';
import type { FunctionWiring } from './types';

export const terminationPolicyWiring: FunctionWiring = {
  name: 'terminationPolicy',
  file: 'functions/termination-policy.ts',
  trigger: { kind: 'termination-policy' },
  build: (p) => createMain({ config: p.config, autoScaling: p.autoScaling, store: p.store, now: p.now, readBudgetMs: READ_BUDGET_MS }),
};
