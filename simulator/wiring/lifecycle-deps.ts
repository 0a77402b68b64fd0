/** The LifecycleDeps shared by launchLifecycle, terminateLifecycle, commandResult and reconcile, from the simulator's ports. */
import { publisherTargets } from '../../shared/runtime/ports';
import { GroupDirectory } from '../../shared/aws';
import type { LifecycleDeps } from '../../shared/lifecycle/deps';
import { Publisher } from '../../shared/notify';
import type { SimPorts } from './types';

export const simLifecycleDeps = (p: SimPorts): LifecycleDeps => ({
  config: p.config,
  autoScaling: p.autoScaling,
  groups: new GroupDirectory(p.autoScaling, 60_000, p.now),
  ssm: p.ssm,
  store: p.store,
  publisher: new Publisher(p.sns, p.eventBus, publisherTargets(p.env)),
  documents: { warmup: p.env.WARMUP_DOCUMENT_NAME ?? 'asg-orchestrator-warmup', drain: p.env.DRAIN_DOCUMENT_NAME ?? 'asg-orchestrator-drain' },
  now: p.now,
  sleep: p.sleep,
});
