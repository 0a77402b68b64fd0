/**
 * groupSweep — the group-sweep queue's consumer (docs/adr/0008): each SQS record is one Auto Scaling
 * group's share of the reconcile sweep, sent by the reconcile tick. Per record: parse the message →
 * read the group with its instances → lifecycle work (heartbeats, timeouts, lost events) and/or the
 * Spot/On-Demand mix → report. Records are handled one after the other (memory stays one group's);
 * a record whose group hit a retryable failure is reported in `batchItemFailures` (partial batch
 * response, https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html) so that
 * only it is delivered again, and after `maxReceiveCount` receives lands in the queue's dead-letter queue.
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { classifyAwsError } from '../shared/aws/classify';
import type { AwsClients } from '../shared/aws/index';
import { isOrchestratorError } from '../shared/errors';
import { parseGroupWork } from '../shared/fanout/message';
import { type GroupSweepDeps, type GroupSweepOutcome, sweepGroup } from '../shared/fanout/group-sweep';
import { createLifecycleDeps } from '../shared/lifecycle/deps';
import { HookCache } from '../shared/lifecycle/lifecycle-sweep';
import { type HandlerOutcome, logger, withStack } from '../shared/runtime/stack';
import { onFirstCall } from '../shared/runtime/ports';
import { createMixSweepDeps } from '../shared/mix/deps';

/** Production wiring from the environment (the same as reconcile's inline sweeps). */
export const createDeps = (clients: Partial<AwsClients> = {}, env: NodeJS.ProcessEnv = process.env): GroupSweepDeps => {
  const lifecycle = createLifecycleDeps(clients, env);
  return {
    lifecycle,
    hooks: new HookCache(lifecycle.autoScaling),
    mix: createMixSweepDeps(clients, env),
    checkpoint: { store: lifecycle.store, seen: new Map() },
    protection: { store: lifecycle.store, seen: new Map() },
  };
};

/** One record's result: its group's work, or why the record was dropped or given up. */
export type GroupRecordOutcome = GroupSweepOutcome | (HandlerOutcome & { outcome: string; messageId?: string; group?: string });

/** One batch's outcome: the partial batch response and the first results (`dropped`: not an SQS batch). */
export interface GroupBatchOutcome extends HandlerOutcome {
  outcome: 'swept' | 'partial' | 'dropped';
  batchItemFailures: SQSBatchResponse['batchItemFailures'];
  results: GroupRecordOutcome[];
}

const isSqsBatch = (event: unknown): event is SQSEvent => {
  const records = typeof event === 'object' && event !== null ? (event as { Records?: unknown }).Records : undefined;
  return (
    Array.isArray(records) &&
    records.length > 0 &&
    records.every((r) => typeof r === 'object' && r !== null && (r as { eventSource?: unknown }).eventSource === 'aws:sqs')
  );
};

/** Builds the handler's core for the given dependencies (ports only). */
export const createMain = (deps: GroupSweepDeps) => {
  // Records one after the other: each holds a whole group's instances while it is worked.
  const processor = new BatchProcessor(EventType.SQS);
  return async (event: unknown, context?: Context): Promise<GroupBatchOutcome> => {
    // Only the queue's event source mapping invokes this function, with a batch of SQS records
    // (https://docs.aws.amazon.com/lambda/latest/dg/with-sqs.html): anything else (a test invoke, a
    // misrouted event) is dropped once with its reason, never retried, and calls nothing.
    if (!isSqsBatch(event)) {
      return { outcome: 'dropped', reason: 'not an SQS batch: an event with `Records` from `aws:sqs` was expected', batchItemFailures: [], results: [] };
    }
    const results: GroupRecordOutcome[] = [];
    // At most one facts checkpoint renewal per batch (a GetItem, two Queries and two writes): the
    // others due wait for their group's next sweep, minutes later.
    const batchDeps: GroupSweepDeps = deps.checkpoint ? { ...deps, checkpoint: { ...deps.checkpoint, renewals: { left: 1 } } } : deps;
    const handleRecord = async (record: SQSRecord): Promise<void> => {
      const work = parseGroupWork(record.body);
      if (!work) {
        // Not one of ours: retrying cannot make it parse; it is logged and left done.
        results.push({ outcome: 'dropped', reason: 'not a group-sweep message', messageId: record.messageId });
        return;
      }
      try {
        results.push(await sweepGroup(batchDeps, work, deps.lifecycle.now()));
      } catch (error) {
        const disposition = isOrchestratorError(error) ? error.disposition : classifyAwsError(error).disposition;
        if (disposition !== 'retry') {
          results.push({
            outcome: disposition === 'drop' ? 'dropped' : disposition,
            reason: error instanceof Error ? error.message : String(error),
            group: work.group,
          });
          return;
        }
        logger.warn('group sweep failed: the message is delivered again', { group: work.group, error });
        throw error;
      }
    };
    const response = await processPartialResponse(event as SQSEvent, handleRecord, processor, {
      ...(context ? { context } : {}),
      processInParallel: false,
      // A batch whose every record failed is reported like any other (the consumer then retries only those).
      throwOnFullBatchFailure: false,
    });
    const failed = response.batchItemFailures.length;
    return {
      outcome: failed === 0 ? 'swept' : 'partial',
      reason: `${results.length} group message(s) handled, ${failed} to be delivered again`,
      batchItemFailures: response.batchItemFailures,
      results: results.slice(0, 20),
    };
  };
};

/** Lambda entry point: answers the partial batch response (`batchItemFailures`). */
export const handler = withStack(
  'groupSweep',
  onFirstCall(() => createMain(createDeps())),
  (outcome: GroupBatchOutcome | HandlerOutcome): SQSBatchResponse => ({ batchItemFailures: 'batchItemFailures' in outcome ? outcome.batchItemFailures : [] }),
);
