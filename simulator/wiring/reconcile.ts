/** reconcile: every simulated minute (the `rate(1 minute)` schedule). */
import { createMain } from '../../functions/reconcile';
import { HookCache } from '../../shared/lifecycle/lifecycle-sweep';
import { InstanceDirectory } from '../../shared/aws/instance-directory';
import { simLifecycleDeps } from './lifecycle-deps';
import type { FunctionWiring } from './types';

export const reconcileWiring: FunctionWiring = {
  name: 'reconcile',
  file: 'functions/reconcile.ts',
  trigger: { kind: 'schedule', everySeconds: 60, ruleName: 'asg-orchestrator-reconcile' },
  build: (p) => {
    const lifecycle = simLifecycleDeps(p);
    const main = createMain({
      lifecycle,
      hooks: new HookCache(lifecycle.autoScaling, 15 * 60_000, p.now),
      mix: {
        config: p.config,
        autoScaling: p.autoScaling,
        instances: new InstanceDirectory(p.ec2, 10_000, 60_000, p.now),
        store: p.store,
        publisher: lifecycle.publisher,
      },
    });
    return () => main();
  },
};
