import type { Cursor } from '../lib/cursor';

/** The two topics of the service. Commands are requests; events are the decided facts. */
export const COMMANDS = 'users.commands';
export const EVENTS = 'users.events';

/** A record to append. `key` orders records: one key's records stay in one partition. */
export interface NewRecord {
  key: string;
  value: Buffer;
  headers?: Record<string, string>;
  /**
   * Kafka: sent with a null value, a tombstone, which compaction keeps only until
   * delete.retention.ms and which removes every earlier record of its key. `value` is then empty.
   */
  tombstone?: boolean;
}

/** A record read back, with the position the log gave it. */
export interface LogRecord extends NewRecord {
  topic: string;
  partition: number;
  offset: number;
  /** Append time in ms since the epoch (the log's clock, informational only). */
  timestamp: number;
}

export interface RecordPosition {
  partition: number;
  offset: number;
}

/** A consumer group's position, committed atomically with the records a step produced. */
export interface ConsumedPosition {
  group: string;
  topic: string;
  cursor: Cursor;
}

/** Records read together, and where the reader stands after them. `next` can be past the last
 * record's offset: Kafka's transaction markers take offsets that carry no record. */
export interface LogBatch {
  records: LogRecord[];
  next: Cursor;
}

export interface AppendOptions {
  /**
   * The caller acknowledges nothing on the strength of this append alone, only on a later
   * durable append that follows from it (a command is answered from its event): the log may
   * then make these records durable together with that later append instead of at once.
   * The embedded log skips this append's fsync; its records reach the disk with the next
   * fsync'd commit of the same file, which every later append is ordered after. Kafka ignores it.
   */
  syncWithNext?: boolean;
}

export interface ReadOptions {
  /** Stops the read; the iterator then ends without error. */
  signal: AbortSignal;
  maxBatch?: number;
}

/** What a member of a consumer group does with the partitions the group gives it. */
export interface ConsumeHandlers {
  /**
   * Called each time this member takes partitions over, before their first batch: after any
   * earlier owner has been fenced off, so state rebuilt here cannot be outdated by it.
   */
  prepare(): Promise<void>;
  handle(batch: LogBatch): Promise<void>;
  /** Commit the batch's position once `handle` returns (false when `handle` commits it itself, as the decider does). */
  commitAfterHandle: boolean;
}

/**
 * The ordered, durable log the service is built on. Implementations: the embedded SQLite file
 * (`events/embedded`) and Kafka. Both pass the same contract suite (test/events/eventLog.contract.ts).
 */
export interface EventLog {
  /**
   * Names this log among all others, for as long as it exists: made when the log is created and
   * stored in it. Cursors carry it, so a cursor from another log, or from a copy restored from
   * before it was created, is refused instead of naming other events.
   */
  readonly identity: string;
  /**
   * Gives the log a new identity, for a log found to have lost its tail or been rewritten (a copy
   * restored, a WAL lost): every cursor handed out before then may name events that are gone or
   * different. Only a log one process owns can do this safely (the embedded file); on Kafka the
   * topics themselves carry the identity, and a re-created topic gets a new one.
   */
  renewIdentity?(): Promise<void>;
  /** Appends records durably: resolves only once they would survive a crash of this process
   * (and, unless `syncWithNext`, of the machine). */
  append(topic: string, records: NewRecord[], options?: AppendOptions): Promise<RecordPosition[]>;
  /**
   * Appends records and commits a consumer position in one atomic step: either both are in the
   * log or neither is. This is how a consume-transform-produce step stays exactly-once.
   */
  appendAndCommit(topic: string, records: NewRecord[], consumed: ConsumedPosition): Promise<RecordPosition[]>;
  /**
   * Moves a consumer group's committed position, with nothing appended: a subscriber placed at a
   * cursor or at the end before it consumes. Committed the way appendAndCommit commits (on Kafka,
   * in a transaction of the group's producer), so it fences an older holder just the same.
   */
  commit(position: ConsumedPosition): Promise<void>;
  /** Reads from `from` in log order, then waits for new records, until the signal aborts. */
  read(topic: string, from: Cursor, options: ReadOptions): AsyncIterable<LogBatch>;
  /**
   * Reads `topic` as a member of consumer group `group` until the signal aborts: the log gives
   * each partition to one member at a time, starting at the group's committed position (or the
   * log's start when the group never committed); when a member leaves, another takes its
   * partitions over from there. A batch whose `handle` (or `prepare`) throws is not committed: the
   * failure is reported through `onFailure`, and the member prepares again and starts over from
   * the committed position, after a backoff. It rejects only when it cannot go on (the log damaged,
   * a consumer that cannot restart).
   */
  consume(group: string, topic: string, handlers: ConsumeHandlers, options: ReadOptions): Promise<void>;
  /**
   * Registers a listener for failures the log meets on its own (a broker gone, a transaction
   * refused): callers waiting on work in flight can give up at once with UNAVAILABLE instead of
   * at their deadline. Returns the function that unregisters it.
   */
  onFailure(listener: (error: Error) => void): () => void;
  /** False from a failure until the next success: a write that times out then is the log's fault, not the deadline's. */
  healthy(): boolean;
  /**
   * Drops the records of `topic` before `before` for good (each partition it names; clamped to
   * the end), and returns how many went where the log can tell (Kafka cannot: -1). A reader from
   * an older position then gets LogTrimmedError (OUT_OF_RANGE, CURSOR_EXPIRED), never a silent
   * jump; `bounds().start` moves to the oldest record kept. Optional: a log that cannot drop
   * records has no such method. The embedded log and Kafka (deleteTopicRecords) have it.
   */
  trim?(topic: string, before: Cursor): Promise<number>;
  /** Where the log starts (older records are gone) and ends (the next offsets) now. */
  bounds(topic: string): Promise<{ start: Cursor; end: Cursor }>;
  /** The position a consumer group committed last; empty when it never committed. On Kafka a
   * transaction's offsets show here a moment after its commit returns. */
  committed(group: string, topic: string): Promise<Cursor>;
  close(): Promise<void>;
}
