import { Cursor } from '../../lib/cursor';
import { pruneBefore } from '../../lib/requestRetention';
import { millisFromTimestamp } from '../../lib/timestamp';
import { userOf } from '../../proto/messages';
import { positionedEvents } from '../codec';
import type { KeyStore } from '../sealing/keyStore';
import type { Keys } from '../sealing/sealedRecords';
import { EVENTS, type EventLog, type LogRecord, type NewRecord } from '../eventLog';
import { readSnapshot } from './replaySnapshot';
import { snapshotRecord } from './snapshotRecords';

export interface SnapshotPlan {
  /** The snapshot stops here at the latest: a position every fold of the service has passed. */
  limit: Cursor;
  /** What opens the events (sealed with their users' keys); an erased user's stay sealed and are read as nothing. */
  keys: KeyStore;
  /** The first event record this is true of starts the tail kept (`--keep`): the snapshot stops before it. */
  keep: (record: LogRecord) => boolean;
  /** Outcomes decided within this of the newest before the snapshot's end stay in it (lib/requestRetention.ts). */
  requestIdRetentionMs: number;
  onProgress?: (eventsFolded: number) => void;
}

export interface Snapshot {
  /** The records of the new snapshot, without its closing record (snapshotEnd). */
  records: NewRecord[];
  /** The position of `users.events` it stands for: the log is trimmed before it. */
  through: Cursor;
  users: number;
  events: number;
}

/**
 * Folds the snapshot already there and the events after it, up to where the tail to keep starts,
 * into the events that still shape a fold of the log: each live user's last change (its
 * after-image), and every outcome that still answers a request id or a redelivered command. A
 * fold of these, at their own positions, then of the tail, equals a fold of the whole log: same
 * users, same outcomes that stand, same cursor. Events that do not decode (a sealed event whose
 * key was destroyed) are left out: nothing could read them again.
 */
export async function buildSnapshot(log: EventLog, plan: SnapshotPlan): Promise<Snapshot> {
  const fold = new SnapshotFold(plan.requestIdRetentionMs, plan.keys);
  await readSnapshot(log, (records) => fold.add(records));
  const { start, end } = await log.bounds(EVENTS);
  let through = start;
  let folded = 0;
  let lastReport = Date.now();
  const stop = new AbortController();
  if (!start.covers(end) && !start.covers(plan.limit.min(end))) {
    for await (const batch of log.read(EVENTS, start, { signal: stop.signal, maxBatch: 5000 })) {
      const taken: LogRecord[] = [];
      for (const record of batch.records) {
        if (record.offset >= plan.limit.get(record.partition) || plan.keep(record)) break;
        taken.push(record);
      }
      fold.add(taken);
      folded += taken.length;
      through = taken.length > 0 ? through.after(taken[taken.length - 1].partition, taken[taken.length - 1].offset) : through;
      if (taken.length < batch.records.length || batch.next.covers(end)) break;
      if (Date.now() - lastReport >= 1000) {
        lastReport = Date.now();
        plan.onProgress?.(folded);
      }
    }
  }
  stop.abort();
  plan.onProgress?.(folded);
  return { records: fold.records(), through, users: fold.users.size, events: folded };
}

interface Folded {
  record: LogRecord;
  /** The event's occurred_at. */
  at: number;
}

/** The fold itself: users by id (their last change), and the outcomes recent enough to stand. */
class SnapshotFold {
  readonly users = new Map<string, Folded>();
  private recent: Folded[] = [];
  private clock = 0;

  constructor(
    private readonly retentionMs: number,
    private readonly keys: Keys,
  ) {}

  /** Event records in log order; those that do not decode are left out (see buildSnapshot). */
  add(records: LogRecord[]): void {
    // By partition and offset: a batch of the snapshot holds every partition's events (Kafka's users.events has several).
    const byPosition = new Map(records.map((r) => [`${r.partition}:${r.offset}`, r]));
    for (const { event, partition, offset } of positionedEvents(records, this.keys, () => {})) {
      const folded = { record: byPosition.get(`${partition}:${offset}`)!, at: millisFromTimestamp(event.occurred_at) };
      this.clock = Math.max(this.clock, folded.at);
      this.recent.push(folded);
      const user = userOf(event);
      if (event.kind === 'user_deleted') this.users.delete(event.user_deleted.user.id);
      else if (event.kind === 'user_erased') this.users.delete(event.user_erased.user_id);
      else if (user) this.users.set(user.id, folded);
    }
    // Most outcomes are old by the time a compaction comes: dropped as it goes, not all kept to the end.
    if (this.recent.length > 100_000) this.recent = this.standing();
  }

  /** Snapshot records in log order, each event once. */
  records(): NewRecord[] {
    const byPosition = new Map<string, LogRecord>();
    for (const { record } of [...this.users.values(), ...this.standing()]) byPosition.set(`${record.partition}:${record.offset}`, record);
    return [...byPosition.values()].sort((a, b) => a.partition - b.partition || a.offset - b.offset).map(snapshotRecord);
  }

  private standing(): Folded[] {
    const since = pruneBefore(this.clock, this.retentionMs);
    return this.recent.filter((e) => e.at >= since);
  }
}
