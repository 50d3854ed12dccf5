import type { Cursor } from '../lib/cursor';
import type { LogBatch } from './eventLog';
import type { ServiceDeps } from './serviceDeps';

/** A log trigger as serverless.yml declares it. */
export interface LogTrigger {
  topic: string;
  /** The consumer group whose position the runtime commits (when the function does not keep its own). */
  group: string;
  batchSize: number;
}

export interface LogFunctionContext {
  deps: ServiceDeps;
  trigger: LogTrigger;
}

/**
 * A function triggered by a topic. `start` says where to read from (a function that keeps its
 * position with its own writes knows it best); `handle` gets each batch in order and must be
 * idempotent by position, since a batch that throws is delivered again.
 */
export interface LogFunction {
  start(ctx: LogFunctionContext): Promise<Cursor>;
  handle(batch: LogBatch, ctx: LogFunctionContext): Promise<void>;
}
