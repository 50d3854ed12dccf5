import type { Cursor } from '../lib/cursor';
import type { LogBatch } from './eventLog';
import type { ServiceDeps } from './serviceDeps';

/** A log trigger as serverless.yml declares it. */
export interface LogTrigger {
  topic: string;
  /**
   * Consume as this consumer group: one member at a time owns each partition, from the group's
   * committed position. Without a group, the function reads every partition from its own `start`.
   */
  group?: string;
  batchSize: number;
}

export interface LogFunctionContext {
  deps: ServiceDeps;
  trigger: LogTrigger;
}

/**
 * A function triggered by a topic. `start` prepares it and says where to read from (a function
 * that keeps its position with its own writes knows it best; with a group trigger the group's
 * position rules and the cursor is ignored); `handle` gets each batch in order and must be
 * idempotent by position, since a batch that throws is delivered again.
 */
export interface LogFunction {
  start(ctx: LogFunctionContext): Promise<Cursor>;
  handle(batch: LogBatch, ctx: LogFunctionContext): Promise<void>;
}
