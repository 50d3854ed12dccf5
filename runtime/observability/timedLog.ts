import type { Cursor } from '../../lib/cursor';
import type { AppendOptions, ConsumedPosition, ConsumeHandlers, EventLog, LogBatch, NewRecord, ReadOptions, RecordPosition } from '../../events/eventLog';

/** An EventLog that reports how long each append took to become durable; all else passes through. */
export class TimedLog implements EventLog {
  constructor(
    private readonly log: EventLog,
    private readonly took: (seconds: number) => void,
  ) {}

  get identity(): string {
    return this.log.identity;
  }

  append(topic: string, records: NewRecord[], options?: AppendOptions): Promise<RecordPosition[]> {
    return this.timed(this.log.append(topic, records, options));
  }

  appendAndCommit(topic: string, records: NewRecord[], consumed: ConsumedPosition): Promise<RecordPosition[]> {
    return this.timed(this.log.appendAndCommit(topic, records, consumed));
  }

  commit(position: ConsumedPosition): Promise<void> {
    return this.log.commit(position);
  }

  read(topic: string, from: Cursor, options: ReadOptions): AsyncIterable<LogBatch> {
    return this.log.read(topic, from, options);
  }

  consume(group: string, topic: string, handlers: ConsumeHandlers, options: ReadOptions): Promise<void> {
    return this.log.consume(group, topic, handlers, options);
  }

  onFailure(listener: (error: Error) => void): () => void {
    return this.log.onFailure(listener);
  }

  healthy(): boolean {
    return this.log.healthy();
  }

  /** Passed through when the log has it (see EventLog.trim). */
  get trim(): EventLog['trim'] {
    return this.log.trim?.bind(this.log);
  }

  bounds(topic: string): Promise<{ start: Cursor; end: Cursor }> {
    return this.log.bounds(topic);
  }

  committed(group: string, topic: string): Promise<Cursor> {
    return this.log.committed(group, topic);
  }

  close(): Promise<void> {
    return this.log.close();
  }

  private async timed<T>(pending: Promise<T>): Promise<T> {
    const started = process.hrtime.bigint();
    const result = await pending;
    this.took(Number(process.hrtime.bigint() - started) / 1e9);
    return result;
  }
}
