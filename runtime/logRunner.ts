import { useLocalKeys } from '../events/subscribers/subscriberKeys';
import { sleep } from '../lib/abortable';
import { UnavailableError } from '../lib/errors';
import { LogTrimmedError } from '../lib/logTrimmedError';
import type { LogBatch } from '../events/eventLog';
import type { ServiceDeps } from '../events/serviceDeps';
import { toLambdaKafkaEvent } from '../events/subscribers/lambdaKafkaEvent';
import { positionGroup } from '../events/subscribers/positionGroup';
import type { LogBinding, SubscriberBinding } from './serverlessConfig';

const MAX_BACKOFF_MS = 5000;

/**
 * Runs a log-triggered function until the signal aborts, each batch in order. With a `group`,
 * as a member of that consumer group (`start` runs whenever it takes partitions over); without,
 * over every partition from where `start` says. A failure restarts it (with backoff) from its
 * start position, which is why functions are idempotent by position.
 */
export async function runLogFunction({ function: name, fn, trigger }: LogBinding, deps: ServiceDeps, signal: AbortSignal): Promise<void> {
  const ctx = { deps, trigger };
  let backoff = 50;
  while (!signal.aborted) {
    try {
      const options = { signal, maxBatch: trigger.batchSize };
      if (trigger.group) {
        const handlers = { prepare: async () => void (await fn.start(ctx)), handle: (batch: LogBatch) => fn.handle(batch, ctx), commitAfterHandle: false };
        await deps.log.consume(trigger.group, trigger.topic, handlers, options);
      } else {
        for await (const batch of deps.log.read(trigger.topic, await fn.start(ctx), options)) {
          await fn.handle(batch, ctx);
          backoff = 50;
        }
      }
      // A read or a membership ends on its own only when the log closed under it: starting over at
      // once would spin without ever yielding to the event loop, so it waits its backoff like a failure.
      if (!signal.aborted) throw new UnavailableError(`the log stopped feeding ${name} (${trigger.topic})`);
    } catch (error) {
      if (signal.aborted) break;
      if (error instanceof LogTrimmedError && !trigger.group) throw new FoldBehindLogError(name, error);
      deps.logger.error(`${name} failed; restarting in ${backoff} ms`, { function: name, error });
      await sleep(backoff, signal);
      backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
    }
  }
}

/**
 * A function that folds the log from its own position (the projector) found that position
 * trimmed away: a compaction ran while this replica lagged further behind than its --keep.
 * Restarting the read meets the same gap, and serving on would answer from a view that never
 * catches up: the server stops instead, and started again it rebuilds the view from the snapshot
 * before serving (runtime/viewStartupCheck.ts).
 */
export class FoldBehindLogError extends Error {
  constructor(name: string, cause: LogTrimmedError) {
    super(
      `${name} is behind the start of ${cause.topic} (it now starts at ${cause.start}; compacted while this replica lagged): ` +
        'stopping rather than serving a view that cannot catch up; started again, the server rebuilds it from the snapshot',
      { cause },
    );
    this.name = 'FoldBehindLogError';
  }
}

/**
 * Runs a Lambda-shaped subscriber until the signal aborts: each batch becomes an AWS Lambda
 * Kafka event; its position is committed once the handler returns (at least once).
 */
export async function runSubscriber(binding: SubscriberBinding, deps: ServiceDeps, bootstrapServers: string, signal: AbortSignal): Promise<void> {
  const { function: name, topic, group, batchSize } = binding;
  useLocalKeys(deps.keys);
  let backoff = 50;
  while (!signal.aborted) {
    try {
      await positionGroup(deps.log, group, topic, binding.from);
      const handle = async (batch: LogBatch) => {
        if (batch.records.length > 0) await binding.handler(toLambdaKafkaEvent(batch.records, bootstrapServers));
        backoff = 50;
      };
      await deps.log.consume(group, topic, { prepare: async () => {}, handle, commitAfterHandle: true }, { signal, maxBatch: batchSize });
      if (!signal.aborted) throw new UnavailableError(`the log stopped feeding ${name} (${topic})`);
    } catch (error) {
      if (signal.aborted) break;
      deps.logger.error(`${name} failed; restarting in ${backoff} ms`, { function: name, error });
      await sleep(backoff, signal);
      backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
    }
  }
}
