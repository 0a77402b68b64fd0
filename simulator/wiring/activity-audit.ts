/** activityAudit: Auto Scaling activity results → notifications. */
import { publisherTargets } from '../../shared/runtime/ports';
import { createMain } from '../../functions/activity-audit';
import { GroupDirectory } from '../../shared/aws';
import { Publisher } from '../../shared/notify';
import type { FunctionWiring } from './types';

export const activityAuditWiring: FunctionWiring = {
  name: 'activityAudit',
  file: 'functions/activity-audit.ts',
  trigger: { kind: 'events', events: ['launch-successful', 'launch-unsuccessful', 'terminate-successful', 'terminate-unsuccessful', 'instance-refresh'] },
  build: (p) =>
    createMain({
      config: p.config,
      groups: new GroupDirectory(p.autoScaling, 60_000, p.now),
      publisher: new Publisher(p.sns, p.eventBus, publisherTargets(p.env)),
      store: p.store,
      now: p.now,
    }),
};
