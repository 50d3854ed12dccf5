import { mkdirSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Statement } from 'better-sqlite3';
import { Cursor } from '../../lib/cursor';
import type { Logger } from '../../lib/logger';
import { DataLossError, UnavailableError } from '../../lib/errors';
import { LogTrimmedError } from '../../lib/logTrimmedError';
import { GroupCommit } from '../../lib/groupCommit';
import { Wakeup } from '../../lib/wakeup';
import { ChunkedInsert } from '../../store/chunkedInsert';
import { openDatabase, type Db } from '../../store/openDatabase';
import type { AppendOptions, ConsumedPosition, ConsumeHandlers, EventLog, LogBatch, LogRecord, NewRecord, ReadOptions, RecordPosition } from '../eventLog';
import { isCorruption, quickCheck } from '../../store/integrityCheck';
import { DataError } from '../../lib/startupErrors';
import { LogHealth } from '../logHealth';
import { logUnavailable } from '../logUnavailable';
import { consumeAsGroup, type EmbeddedGroupContext } from './embeddedGroupConsumer';
import { GroupTurns } from './groupTurns';
import { migrateLog, newIdentity, readIdentity, readLogStarts, writeLogStart } from './logSchema';
import { findOffsetGap } from './offsetCheck';
import { recordChecksum } from './recordChecksum';

const PARTITION = 0;
/** How long a subscriber's position may wait for an append to carry it before it gets a transaction of its own. */
const POSITION_FLUSH_MS = 1000;

interface Append {
  topic: string;
  records: NewRecord[];
  consumed?: ConsumedPosition;
  syncWithNext: boolean;
}

/** A row of `records` as the columns of selectRecords, in order: arrays are cheaper than objects per row. */
type RecordRow = [partition: number, offset: number, key: string, value: Buffer, headers: string | null, timestamp: number, crc: number | null];

/**
 * The default log: one SQLite file, `log.db`, in the data directory, which the opening process
 * holds (store/dataDirLock.ts, taken by runtime/openDataDir.ts).
 *
 * Appends are durable (synchronous=FULL: the WAL is fsync'd at each commit) and grouped: every
 * append requested during one turn of the event loop is written by the next turn's single
 * transaction, so concurrent callers share one fsync. A transaction of `syncWithNext` appends
 * only (commands, answered from their events) commits without the fsync: the WAL is one file
 * written in order, so the next fsync'd commit (their events) makes them durable too.
 */
export class EmbeddedLog implements EventLog, EmbeddedGroupContext {
  private readonly appends = new GroupCommit<Append, RecordPosition[]>((batch) => this.writeBatch(batch));
  private closed = false;
  /** Transactions written, how many were fsync'd, and appends they carried: their ratio shows group commit at work. */
  private readonly counters = { flushes: 0, syncs: 0, appends: 0 };
  /**
   * Subscribers' positions not written yet, by group and topic: each rides with the next append's
   * transaction (or a flush within POSITION_FLUSH_MS), instead of costing a transaction per batch
   * handled, a third of the log's transactions at one write in flight.
   */
  private readonly lazyPositions = new Map<string, ConsumedPosition>();
  private positionFlush?: NodeJS.Timeout;
  private synchronous: 'FULL' | 'NORMAL' = 'FULL';
  private readonly nextOffsets = new Map<string, number>();
  /** Per topic, the first offset the log still holds: 0 until `trim` drops older records. */
  private readonly starts: Map<string, number>;
  /** Per topic, the readers waiting for its next record: an append wakes only its own topic's readers (a command wakes the decider, not every subscriber of the events). */
  private readonly appended = new Map<string, Wakeup>();
  /** Records go in 100 per statement: a batch of a bulk import is hundreds of records, and a call into SQLite per record was most of its cost. */
  private readonly insertRecords: ChunkedInsert;
  private readonly upsertPosition: Statement;
  private readonly selectRecords: Statement;
  /** Prepared once: at one write in flight the mode flips twice per call, and parsing the pragma each time showed in profiles. */
  private readonly synchronousPragmas: Record<'FULL' | 'NORMAL', Statement>;
  /** Appends, reads and each group's consumer: what failed, and who hears of it. */
  readonly health: LogHealth;
  readonly turns = new GroupTurns();
  /** The file opened, as the file system names it: a write checks the path still leads to it. */
  private readonly inode: number;
  /** Set once a record fails its checksum: from then on the log serves nothing more. */
  private corruption?: DataLossError;
  identity: string;

  private constructor(
    private readonly db: Db,
    readonly file: string,
    readonly logger: Logger | undefined,
  ) {
    this.health = new LogHealth(logger, 'log failure');
    this.identity = readIdentity(db, file);
    this.inode = statSync(file).ino;
    this.starts = readLogStarts(db);
    this.insertRecords = new ChunkedInsert(db, 'INSERT INTO records (topic, partition, offset, key, value, headers, timestamp, crc)', 8);
    this.upsertPosition = db.prepare(
      `INSERT INTO consumer_positions (group_id, topic, partition, offset) VALUES (?, ?, ?, ?)
       ON CONFLICT (group_id, topic, partition) DO UPDATE SET offset = excluded.offset`,
    );
    this.synchronousPragmas = { FULL: db.prepare('PRAGMA synchronous = FULL'), NORMAL: db.prepare('PRAGMA synchronous = NORMAL') };
    this.selectRecords = db
      .prepare(
        `SELECT partition, offset, key, value, headers, timestamp, crc FROM records
       WHERE topic = ? AND partition = ? AND offset >= ? ORDER BY offset LIMIT ?`,
      )
      .raw();
  }

  /**
   * Opens (creating if needed) the log of a data directory, refusing a file that is corrupt,
   * foreign or from a newer release (the log is the source of truth: nothing can rebuild it, so
   * it is never repaired or dropped here). The caller holds the data directory.
   */
  static open(dir: string, logger?: Logger): EmbeddedLog {
    mkdirSync(dir, { recursive: true });
    const file = path.join(dir, 'log.db');
    let db: Db | undefined;
    try {
      db = openDatabase(file, { synchronous: 'FULL' });
      const problems = quickCheck(db);
      if (problems.length > 0) throw corruptLog(file, problems.join('; '));
      migrateLog(db, file);
      const gap = findOffsetGap(db, readLogStarts(db));
      if (gap) throw corruptLog(file, gap);
      return new EmbeddedLog(db, file, logger);
    } catch (error) {
      db?.close();
      const code = (error as { code?: string }).code ?? '';
      if (code === 'SQLITE_CORRUPT' || code === 'SQLITE_NOTADB') throw corruptLog(file, (error as Error).message);
      throw error;
    }
  }

  append(topic: string, records: NewRecord[], options: AppendOptions = {}): Promise<RecordPosition[]> {
    return this.enqueue({ topic, records, syncWithNext: options.syncWithNext ?? false });
  }

  appendAndCommit(topic: string, records: NewRecord[], consumed: ConsumedPosition): Promise<RecordPosition[]> {
    return this.enqueue({ topic, records, consumed, syncWithNext: false });
  }

  async commit(position: ConsumedPosition): Promise<void> {
    await this.enqueue({ topic: position.topic, records: [], consumed: position, syncWithNext: false });
  }

  async *read(topic: string, from: Cursor, { signal, maxBatch = 1000 }: ReadOptions): AsyncIterable<LogBatch> {
    let offset = from.get(PARTITION);
    while (!signal.aborted && !this.closed) {
      // Checked at every turn: a reader left behind while `trim` dropped its next records learns it here.
      if (offset < this.startOffset(topic)) throw new LogTrimmedError(topic, Cursor.of([[PARTITION, this.startOffset(topic)]]));
      const rows = this.selectRows(topic, offset, maxBatch);
      if (rows.length > 0) {
        const records = this.contiguous(topic, offset, rows);
        offset += records.length;
        yield { records, next: Cursor.of([[PARTITION, offset]]) };
      } else if (offset < this.nextOffset(topic)) {
        // Nothing at an offset below the end: no append will ever fill it, so waiting would hang
        // the reader for ever (a damaged key moves its record out of the range read).
        throw this.missing(topic, offset);
      } else {
        await this.appendedTo(topic).wait(signal);
      }
    }
  }

  async renewIdentity(): Promise<void> {
    this.assertOpen();
    const identity = newIdentity();
    this.db.prepare("UPDATE log_meta SET value = ? WHERE key = 'identity'").run(identity);
    this.identity = identity;
  }

  /** One member of a group at a time holds the one partition; the next takes over when it leaves (embeddedGroupConsumer.ts). */
  consume(group: string, topic: string, handlers: ConsumeHandlers, options: ReadOptions): Promise<void> {
    return consumeAsGroup(this, group, topic, handlers, options);
  }

  /**
   * A subscriber's position need not be durable at once: lost to a crash or a power cut, it only
   * means batches delivered again, which at-least-once subscribers are built for. It is written
   * with the next append, or within POSITION_FLUSH_MS, or at close; committed() sees it at once.
   */
  async commitAfterBatch(position: ConsumedPosition): Promise<void> {
    this.assertOpen();
    this.lazyPositions.set(`${position.group}\u0000${position.topic}`, position);
    this.positionFlush ??= setTimeout(() => {
      this.positionFlush = undefined;
      if (this.lazyPositions.size > 0 && !this.closed) void this.enqueue({ topic: position.topic, records: [], syncWithNext: true }).catch(() => {});
    }, POSITION_FLUSH_MS).unref();
  }

  isClosed(): boolean {
    return this.closed;
  }

  /**
   * Listeners hear of every failure, as on Kafka: a write refused (a full disk, an I/O error, the
   * file removed from under the log), a read that failed, a consumer's batch that failed, and a
   * damaged record, which stops everything.
   */
  onFailure(listener: (error: Error) => void): () => void {
    return this.health.onFailure(listener);
  }

  healthy(): boolean {
    return !this.closed && !this.corruption && this.health.healthy();
  }

  async bounds(topic: string): Promise<{ start: Cursor; end: Cursor }> {
    this.assertOpen();
    return {
      start: Cursor.of([[PARTITION, this.startOffset(topic)]]),
      end: Cursor.of([[PARTITION, this.nextOffset(topic)]]),
    };
  }

  /**
   * Drops the records of `topic` before `before` (clamped to the end), for good: readers from an
   * older position then get LogTrimmedError (OUT_OF_RANGE), never a silent gap. The new start is
   * written in the same transaction as the deletion, so a crash leaves one or the other, and the
   * offsets go on from where they were even when no record is left. Returns how many went.
   */
  async trim(topic: string, before: Cursor): Promise<number> {
    this.assertOpen();
    await this.appends.idle();
    const starts = new Map<string, number>();
    const dropped = this.db.transaction(() => this.dropBefore(topic, before.get(PARTITION), starts))();
    for (const [t, start] of starts) this.starts.set(t, start);
    return dropped;
  }

  /**
   * Compaction's one atomic step (events/compaction/): appends `records` to `snapshotTopic` as its
   * new generation, drops the generation before it, and trims each topic of `trims`, in one
   * transaction: a crash leaves the old snapshot with the whole log, or the new one with the
   * tail, never a log that starts where no snapshot covers it. Returns the records dropped.
   */
  async replaceSnapshot(snapshotTopic: string, records: NewRecord[], trims: Array<{ topic: string; before: Cursor }>): Promise<number> {
    this.assertOpen();
    await this.appends.idle();
    const starts = new Map<string, number>();
    const before = new Map(this.nextOffsets);
    let dropped: number;
    try {
      this.setSynchronous('FULL');
      dropped = this.db.transaction(() => {
        const [first] = this.write({ topic: snapshotTopic, records, syncWithNext: false });
        let count = this.dropBefore(snapshotTopic, first?.offset ?? this.nextOffset(snapshotTopic), starts);
        for (const trim of trims) count += this.dropBefore(trim.topic, trim.before.get(PARTITION), starts);
        return count;
      })();
    } catch (error) {
      this.insertRecords.discard();
      this.nextOffsets.clear();
      for (const [topic, next] of before) this.nextOffsets.set(topic, next);
      throw error;
    }
    for (const [topic, start] of starts) this.starts.set(topic, start);
    return dropped;
  }

  /** Rewrites log.db without the pages trimmed records left free, so the file shrinks (the server stopped: it takes the whole file). */
  async vacuum(): Promise<void> {
    this.assertOpen();
    await this.appends.idle();
    this.db.exec('VACUUM');
  }

  /** Inside a transaction: drops `topic`'s records before `offset` (clamped to the end) and moves its start. */
  private dropBefore(topic: string, offset: number, starts: Map<string, number>): number {
    const start = Math.min(offset, this.nextOffset(topic));
    if (start <= this.startOffset(topic)) return 0;
    const { changes } = this.db.prepare('DELETE FROM records WHERE topic = ? AND partition = ? AND offset < ?').run(topic, PARTITION, start);
    writeLogStart(this.db, topic, start);
    starts.set(topic, start);
    return changes;
  }

  /** Checkpoints the WAL into log.db and truncates it to nothing: after `trim`, so the dropped records leave the WAL too. */
  checkpoint(): void {
    this.assertOpen();
    this.db.pragma('wal_checkpoint(TRUNCATE)');
  }

  async committed(group: string, topic: string): Promise<Cursor> {
    this.assertOpen();
    const lazy = this.lazyPositions.get(`${group}\u0000${topic}`);
    if (lazy) return lazy.cursor;
    const rows = this.db.prepare('SELECT partition, offset FROM consumer_positions WHERE group_id = ? AND topic = ?').all(group, topic) as Array<{
      partition: number;
      offset: number;
    }>;
    return Cursor.of(rows.map((r) => [r.partition, r.offset] as const));
  }

  stats(): { flushes: number; syncs: number; appends: number } {
    return { ...this.counters };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    // The positions still in memory go with the last transaction.
    if (this.lazyPositions.size > 0) void this.enqueue({ topic: '', records: [], syncWithNext: false }).catch(() => {});
    clearTimeout(this.positionFlush);
    this.closed = true;
    await this.appends.idle();
    for (const wakeup of this.appended.values()) wakeup.wakeAll();
    this.db.close();
  }

  private enqueue(append: Append): Promise<RecordPosition[]> {
    if (this.closed) return Promise.reject(new UnavailableError('the log is closed'));
    // Nothing more is added to a file found damaged: the operator restores it, and what was
    // appended after the damage would be lost with it.
    if (this.corruption) return Promise.reject(this.corruption);
    // A position committed now is newer than one a subscriber left in memory for the same topic.
    if (append.consumed) this.lazyPositions.delete(`${append.consumed.group}\u0000${append.consumed.topic}`);
    return this.appends.submit(append);
  }

  /** Writes a group of appends in one transaction (one fsync, unless every append may wait for the next). */
  private writeBatch(batch: Append[]): RecordPosition[][] {
    const before = new Map(this.nextOffsets);
    const sync = batch.some((op) => !op.syncWithNext);
    const lazy = [...this.lazyPositions.values()];
    this.lazyPositions.clear();
    let results: RecordPosition[][];
    try {
      this.assertStillOnDisk();
      this.setSynchronous(sync ? 'FULL' : 'NORMAL');
      results = this.db.transaction(() => {
        const written = batch.map((op) => this.write(op));
        for (const position of lazy) this.savePosition(position);
        return written;
      })();
    } catch (error) {
      // Kept for the next transaction, unless a newer position of the same subscriber came meanwhile.
      for (const position of lazy) {
        const key = `${position.group}\u0000${position.topic}`;
        if (!this.lazyPositions.has(key)) this.lazyPositions.set(key, position);
      }
      this.insertRecords.discard();
      this.nextOffsets.clear();
      for (const [topic, next] of before) this.nextOffsets.set(topic, next);
      if (error instanceof DataLossError) throw error;
      const failure = logUnavailable(error, 'appending to the log');
      this.health.failed('append', failure);
      throw failure;
    }
    this.health.worked('append');
    this.counters.flushes++;
    if (sync) this.counters.syncs++;
    this.counters.appends += batch.length;
    // A commit alone (a subscriber's position) adds nothing to read: its topic's readers sleep on.
    for (const op of batch) if (op.records.length > 0) this.appended.get(op.topic)?.wakeAll();
    return results;
  }

  private write(op: Append): RecordPosition[] {
    if (op.consumed) this.savePosition(op.consumed);
    // A transaction that only carries positions (a flush) reads and changes no offset.
    if (op.records.length === 0) return [];
    const now = Date.now();
    let offset = this.nextOffset(op.topic);
    const positions = op.records.map((record) => {
      const headers = record.headers ? JSON.stringify(record.headers) : null;
      const crc = recordChecksum(op.topic, PARTITION, offset, record.key, record.value, headers, now);
      this.insertRecords.add(op.topic, PARTITION, offset, record.key, record.value, headers, now, crc);
      return { partition: PARTITION, offset: offset++ };
    });
    this.insertRecords.flush();
    this.nextOffsets.set(op.topic, offset);
    return positions;
  }

  private savePosition({ group, topic, cursor }: ConsumedPosition): void {
    for (const [partition, next] of cursor.entries()) this.upsertPosition.run(group, topic, partition, next);
  }

  private appendedTo(topic: string): Wakeup {
    let wakeup = this.appended.get(topic);
    if (!wakeup) this.appended.set(topic, (wakeup = new Wakeup()));
    return wakeup;
  }

  /** A connection setting, so it is changed only when a batch needs the other one. */
  private setSynchronous(mode: 'FULL' | 'NORMAL'): void {
    if (mode === this.synchronous) return;
    this.synchronousPragmas[mode].run();
    this.synchronous = mode;
  }

  private startOffset(topic: string): number {
    return this.starts.get(topic) ?? 0;
  }

  private nextOffset(topic: string): number {
    let next = this.nextOffsets.get(topic);
    if (next === undefined) {
      const row = this.db.prepare('SELECT MAX(offset) AS last FROM records WHERE topic = ? AND partition = ?').get(topic, PARTITION) as {
        last: number | null;
      };
      // A topic trimmed to its end holds no record: its offsets go on from its start.
      next = Math.max((row.last ?? -1) + 1, this.startOffset(topic));
      this.nextOffsets.set(topic, next);
    }
    return next;
  }

  private assertOpen(): void {
    if (this.closed) throw new UnavailableError('the log is closed');
    if (this.corruption) throw this.corruption;
  }

  private selectRows(topic: string, offset: number, maxBatch: number): RecordRow[] {
    this.assertOpen();
    let rows: RecordRow[];
    try {
      rows = this.selectRecords.all(topic, PARTITION, offset, maxBatch) as RecordRow[];
    } catch (error) {
      if (isCorruption(error)) throw this.corrupted(`reading ${topic} from ${PARTITION}:${offset}: ${(error as Error).message}`, error);
      const failure = logUnavailable(error, `reading ${topic} from the log`);
      this.health.failed('read', failure);
      throw failure;
    }
    this.health.worked('read');
    return rows;
  }

  /**
   * SQLite goes on writing to a file removed (or replaced) while open, and the writes would be in
   * no file once the process ends: refused instead, and nothing more is served, like a damaged file.
   */
  private assertStillOnDisk(): void {
    if (statSync(this.file, { throwIfNoEntry: false })?.ino === this.inode) return;
    throw this.stopServing(
      new DataLossError(
        `${this.file} was removed or replaced while the log had it open; what is appended now would be lost: stop the service and restore log.db`,
      ),
    );
  }

  private corrupted(detail: string, cause?: unknown): DataLossError {
    return this.stopServing(new DataLossError(`${this.file} is damaged (${detail}); stop the service and restore log.db from a backup`, { cause }));
  }

  /** Remembers the first loss of data and tells every listener: from here on, the log serves nothing. */
  private stopServing(loss: DataLossError): DataLossError {
    this.corruption ??= loss;
    this.health.failed('data', this.corruption);
    return this.corruption;
  }

  /**
   * The rows read from `offset`, verified, each at the offset after the one before. The embedded
   * log deletes records only before its start (`trim`) and gives offsets one by one, so a jump means the records between
   * were hidden by damage (a flipped bit in a key's topic or partition sorts the row elsewhere).
   * Checked after the checksum: a row whose own offset was damaged is reported as such.
   */
  private contiguous(topic: string, offset: number, rows: RecordRow[]): LogRecord[] {
    return rows.map((row, i) => {
      const record = this.verified(topic, row);
      if (record.offset !== offset + i) throw this.missing(topic, offset + i);
      return record;
    });
  }

  private missing(topic: string, offset: number): DataLossError {
    return this.corrupted(`record ${topic} ${PARTITION}:${offset} is missing, and the log goes on to ${PARTITION}:${this.nextOffset(topic) - 1}`);
  }

  /** A record read back, once its checksum holds (records from layout 0 carry none). */
  private verified(topic: string, row: RecordRow): LogRecord {
    const [partition, offset, key, value, headers, timestamp, crc] = row;
    if (crc !== null && crc !== recordChecksum(topic, partition, offset, key, value, headers, timestamp)) {
      throw this.corrupted(`record ${topic} ${partition}:${offset} fails its checksum`);
    }
    return new StoredRecord(topic, row);
  }
}

function corruptLog(file: string, detail: string): DataError {
  return new DataError(
    `${file} is corrupt (${detail}); the log is the source of truth and cannot be rebuilt: restore it from a backup (the views are rebuilt from it on start)`,
  );
}

/** A record read back. Its headers are parsed on first use: a replay of millions never looks at them. */
class StoredRecord implements LogRecord {
  readonly partition: number;
  readonly offset: number;
  readonly key: string;
  readonly value: Buffer;
  readonly timestamp: number;
  private readonly rawHeaders: string | null;
  private parsed?: Record<string, string>;

  constructor(
    readonly topic: string,
    [partition, offset, key, value, headers, timestamp]: RecordRow,
  ) {
    this.partition = partition;
    this.offset = offset;
    this.key = key;
    this.value = value;
    this.timestamp = timestamp;
    this.rawHeaders = headers;
  }

  get headers(): Record<string, string> | undefined {
    if (this.parsed === undefined && this.rawHeaders) this.parsed = JSON.parse(this.rawHeaders) as Record<string, string>;
    return this.parsed;
  }
}
