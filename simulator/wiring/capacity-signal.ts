/** capacitySignal: Spot interruption warnings, rebalance recommendations, Spot launch failures → state, drain, mix. */
import { publisherTargets } from '../../shared/runtime/ports';
import { createMain } from '../../functions/capacity-signal';
import { Publisher } from '../../shared/notify';
import { InstanceDirectory } from '../../shared/aws/instance-directory';
import type { FunctionWiring } from './types';

export const capacitySignalWiring: FunctionWiring = {
  name: 'capacitySignal',
  file: 'functions/capacity-signal.ts',
  trigger: { kind: 'events', events: ['spot-interruption', 'rebalance-recommendation', 'launch-unsuccessful'] },
  build: (p) =>
    createMain({
      config: p.config,
      autoScaling: p.autoScaling,
      instances: new InstanceDirectory(p.ec2, 10_000, 60_000, p.now),
      store: p.store,
      ssm: p.ssm,
      publisher: new Publisher(p.sns, p.eventBus, publisherTargets(p.env)),
      drainDocumentName: p.env.DRAIN_DOCUMENT_NAME,
      now: p.now,
    }),
};
