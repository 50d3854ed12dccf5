import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Statement } from 'better-sqlite3';
import { Cursor } from '../../lib/cursor';
import { DataLossError, ServiceError, UnavailableError } from '../../lib/errors';
import { GroupCommit } from '../../lib/groupCommit';
import { Wakeup } from '../../lib/wakeup';
import { dataDirInUse } from '../../store/dataDirLock';
import { openDatabase, type Db } from '../../store/openDatabase';
import type { AppendOptions, ConsumedPosition, ConsumeHandlers, EventLog, LogBatch, LogRecord, NewRecord, ReadOptions, RecordPosition } from '../eventLog';
import { isCorruption, quickCheck } from '../../store/integrityCheck';
import { DataError } from '../../lib/startupErrors';
import { migrateLog, newIdentity, readIdentity } from './logSchema';
import { findOffsetGap } from './offsetCheck';
import { recordChecksum } from './recordChecksum';

const PARTITION = 0;

interface Append {
  topic: string;
  records: NewRecord[];
  consumed?: ConsumedPosition;
  syncWithNext: boolean;
}

/** A row of `records` as the columns of selectRecords, in order: arrays are cheaper than objects per row. */
type RecordRow = [partition: number, offset: number, key: string, value: Buffer, headers: string | null, timestamp: number, crc: number | null];

/** The data directory is owned by another live process. */
export class DataDirInUseError extends ServiceError {
  constructor(dir: string) {
    super(14, dataDirInUse(dir));
  }
}

/**
 * The default log: one SQLite file, `log.db`, in the data directory.
 *
 * Appends are durable (synchronous=FULL: the WAL is fsync'd at each commit) and grouped: every
 * append requested during one turn of the event loop is written by the next turn's single
 * transaction, so concurrent callers share one fsync. A transaction of `syncWithNext` appends
 * only (commands, answered from their events) commits without the fsync: the WAL is one file
 * written in order, so the next fsync'd commit (their events) makes them durable too.
 */
export class EmbeddedLog implements EventLog {
  private readonly appends = new GroupCommit<Append, RecordPosition[]>((batch) => this.writeBatch(batch));
  private closed = false;
  /** Transactions written, how many were fsync'd, and appends they carried: their ratio shows group commit at work. */
  private readonly counters = { flushes: 0, syncs: 0, appends: 0 };
  private synchronous: 'FULL' | 'NORMAL' = 'FULL';
  private readonly nextOffsets = new Map<string, number>();
  private readonly appended = new Wakeup();
  private readonly insertRecord: Statement;
  private readonly upsertPosition: Statement;
  private readonly selectRecords: Statement;
  private readonly failureListeners = new Set<(error: Error) => void>();
  /** Set once a record fails its checksum: from then on the log serves nothing more. */
  private corruption?: DataLossError;
  identity: string;

  private constructor(
    private readonly db: Db,
    readonly file: string,
  ) {
    this.identity = readIdentity(db, file);
    this.insertRecord = db.prepare('INSERT INTO records (topic, partition, offset, key, value, headers, timestamp, crc) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
    this.upsertPosition = db.prepare(
      `INSERT INTO consumer_positions (group_id, topic, partition, offset) VALUES (?, ?, ?, ?)
       ON CONFLICT (group_id, topic, partition) DO UPDATE SET offset = excluded.offset`,
    );
    this.selectRecords = db
      .prepare(
        `SELECT partition, offset, key, value, headers, timestamp, crc FROM records
       WHERE topic = ? AND partition = ? AND offset >= ? ORDER BY offset LIMIT ?`,
      )
      .raw();
  }

  /**
   * Opens (creating if needed) the log of a data directory, failing fast if another process owns
   * it, and refusing a file that is corrupt, foreign or from a newer release (the log is the
   * source of truth: nothing can rebuild it, so it is never repaired or dropped here).
   */
  static open(dir: string): EmbeddedLog {
    mkdirSync(dir, { recursive: true });
    const file = path.join(dir, 'log.db');
    let db: Db | undefined;
    try {
      db = openDatabase(file, { exclusive: true, synchronous: 'FULL' });
      const problems = quickCheck(db);
      if (problems.length > 0) throw corruptLog(file, problems.join('; '));
      migrateLog(db, file); // the first write takes the exclusive lock, held until close
      const gap = findOffsetGap(db);
      if (gap) throw corruptLog(file, gap);
      return new EmbeddedLog(db, file);
    } catch (error) {
      db?.close();
      const code = (error as { code?: string }).code ?? '';
      if (code.startsWith('SQLITE_BUSY')) throw new DataDirInUseError(dir);
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
        await this.appended.wait(signal);
      }
    }
  }

  async renewIdentity(): Promise<void> {
    this.assertOpen();
    const identity = newIdentity();
    this.db.prepare("UPDATE log_meta SET value = ? WHERE key = 'identity'").run(identity);
    this.identity = identity;
  }

  /** One process owns the embedded log, so this member always owns the one partition. */
  async consume(group: string, topic: string, handlers: ConsumeHandlers, options: ReadOptions): Promise<void> {
    await handlers.prepare();
    const from = await this.committed(group, topic);
    for await (const batch of this.read(topic, from, options)) {
      await handlers.handle(batch);
      // A subscriber's position may wait for the next fsync: lost to a power cut, it only means a
      // batch delivered again, which at-least-once subscribers are built for.
      if (handlers.commitAfterHandle) await this.enqueue({ topic, records: [], consumed: { group, topic, cursor: batch.next }, syncWithNext: true }); // commit(), without the fsync
    }
  }

  /** An append's own failure reaches its caller; listeners hear of a corrupt record, which stops everything. */
  onFailure(listener: (error: Error) => void): () => void {
    this.failureListeners.add(listener);
    return () => this.failureListeners.delete(listener);
  }

  healthy(): boolean {
    return !this.closed && !this.corruption;
  }

  async bounds(topic: string): Promise<{ start: Cursor; end: Cursor }> {
    this.assertOpen();
    const row = this.db.prepare('SELECT MIN(offset) AS first FROM records WHERE topic = ? AND partition = ?').get(topic, PARTITION) as {
      first: number | null;
    };
    return {
      start: Cursor.of([[PARTITION, row.first ?? 0]]),
      end: Cursor.of([[PARTITION, this.nextOffset(topic)]]),
    };
  }

  async committed(group: string, topic: string): Promise<Cursor> {
    this.assertOpen();
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
    this.closed = true;
    await this.appends.idle();
    this.appended.wakeAll();
    this.db.close();
  }

  private enqueue(append: Append): Promise<RecordPosition[]> {
    if (this.closed) return Promise.reject(new UnavailableError('the log is closed'));
    // Nothing more is added to a file found damaged: the operator restores it, and what was
    // appended after the damage would be lost with it.
    if (this.corruption) return Promise.reject(this.corruption);
    return this.appends.submit(append);
  }

  /** Writes a group of appends in one transaction (one fsync, unless every append may wait for the next). */
  private writeBatch(batch: Append[]): RecordPosition[][] {
    const before = new Map(this.nextOffsets);
    const sync = batch.some((op) => !op.syncWithNext);
    let results: RecordPosition[][];
    try {
      this.setSynchronous(sync ? 'FULL' : 'NORMAL');
      results = this.db.transaction(() => batch.map((op) => this.write(op)))();
    } catch (error) {
      this.nextOffsets.clear();
      for (const [topic, next] of before) this.nextOffsets.set(topic, next);
      throw new UnavailableError(`the log could not append: ${(error as Error).message}`, { cause: error });
    }
    this.counters.flushes++;
    if (sync) this.counters.syncs++;
    this.counters.appends += batch.length;
    this.appended.wakeAll();
    return results;
  }

  private write(op: Append): RecordPosition[] {
    const now = Date.now();
    let offset = this.nextOffset(op.topic);
    const positions = op.records.map((record) => {
      const headers = record.headers ? JSON.stringify(record.headers) : null;
      const crc = recordChecksum(op.topic, PARTITION, offset, record.key, record.value, headers, now);
      this.insertRecord.run(op.topic, PARTITION, offset, record.key, record.value, headers, now, crc);
      return { partition: PARTITION, offset: offset++ };
    });
    this.nextOffsets.set(op.topic, offset);
    if (op.consumed) {
      const { group, topic, cursor } = op.consumed;
      for (const [partition, next] of cursor.entries()) this.upsertPosition.run(group, topic, partition, next);
    }
    return positions;
  }

  /** A connection setting, so it is changed only when a batch needs the other one. */
  private setSynchronous(mode: 'FULL' | 'NORMAL'): void {
    if (mode === this.synchronous) return;
    this.db.pragma(`synchronous = ${mode}`);
    this.synchronous = mode;
  }

  private nextOffset(topic: string): number {
    let next = this.nextOffsets.get(topic);
    if (next === undefined) {
      const row = this.db.prepare('SELECT MAX(offset) AS last FROM records WHERE topic = ? AND partition = ?').get(topic, PARTITION) as {
        last: number | null;
      };
      next = (row.last ?? -1) + 1;
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
    try {
      return this.selectRecords.all(topic, PARTITION, offset, maxBatch) as RecordRow[];
    } catch (error) {
      if (!isCorruption(error)) throw error;
      throw this.corrupted(`reading ${topic} from ${PARTITION}:${offset}: ${(error as Error).message}`, error);
    }
  }

  /** Remembers the damage and tells every listener: from here on, the log serves nothing. */
  private corrupted(detail: string, cause?: unknown): DataLossError {
    this.corruption ??= new DataLossError(`${this.file} is damaged (${detail}); stop the service and restore log.db from a backup`, { cause });
    for (const listener of [...this.failureListeners]) listener(this.corruption);
    return this.corruption;
  }

  /**
   * The rows read from `offset`, verified, each at the offset after the one before. The embedded
   * log never deletes a record and gives offsets one by one, so a jump means the records between
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
