import type { Logger } from '../lib/logger';

/** A part of a log's pipeline that last failed at `failed` and last worked at `worked` (ticks of one counter). */
interface PartHealth {
  failed: number;
  worked: number;
}

/**
 * Which parts of a log work (its appends, each consumer, each reader) and who hears when one
 * fails. Both backends keep theirs in one of these, so the runtime sees their failures the same
 * way: a listener hears each failure as it happens, and the log is unhealthy from a failure until
 * the part that failed works again. Order comes from a counter, not the clock: a success reported
 * after a failure always counts, even within the same millisecond.
 */
export class LogHealth {
  private readonly listeners = new Set<(error: Error) => void>();
  private readonly parts = new Map<string, PartHealth>();
  private tick = 0;

  /** Each failure is also logged, once, here: `what` names the log in the line ("Kafka failure"). */
  constructor(
    private readonly logger: Logger | undefined,
    private readonly what: string,
  ) {}

  /** EventLog.onFailure. */
  onFailure(listener: (error: Error) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** True when every part that failed has worked since. */
  healthy(): boolean {
    return [...this.parts.values()].every((part) => part.worked > part.failed);
  }

  /** A part failed: unhealthy until it works again, and every listener is told. */
  failed(part: string, error: Error): void {
    this.logger?.warn(this.what, { part, error });
    this.degraded(part);
    for (const listener of [...this.listeners]) listener(error);
  }

  /** A part cannot work for now (a consumer rejoining its group): unhealthy until it works, but nobody is told to give up. */
  degraded(part: string): void {
    this.parts.set(part, { failed: ++this.tick, worked: this.parts.get(part)?.worked ?? 0 });
  }

  /** A part worked; one that never failed is not tracked. */
  worked(part: string): void {
    const entry = this.parts.get(part);
    if (entry) entry.worked = ++this.tick;
  }

  /** A part that is gone (a reader closed) no longer counts. */
  forget(part: string): void {
    this.parts.delete(part);
  }
}
