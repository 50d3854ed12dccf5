import { Cursor } from '../lib/cursor';
import { millisFromTimestamp } from '../lib/timestamp';
import type { UserEvent } from '../proto/messages';
import type { Db } from './openDatabase';
import { ChunkedInsert } from './chunkedInsert';
import { outcomeRowCrc } from './rowChecksum';
import { userRowValues } from './userRow';

/** An event with the log position it was read from, and its bytes as they lie on the log. */
export interface PositionedEvent {
  event: UserEvent;
  partition: number;
  offset: number;
  /** The encoded `userservice.UserEvent`; stored as the command's outcome without encoding it again. */
  bytes: Uint8Array;
}

export interface Applied {
  cursor: Cursor;
  /** The events this call applied (those the cursor had passed are left out). */
  events: PositionedEvent[];
}

/**
 * Applies events to a view file. Each call is one transaction that also stores the cursor, so
 * view and cursor always agree; events at positions the cursor already passed are skipped, which
 * makes a redelivered batch harmless.
 */
export function createProjection(db: Db) {
  const users = new ChunkedInsert(
    db,
    'INSERT INTO users (id, email, email_lower, name, plan, created_at, updated_at, version, user, crc)',
    10,
    `ON CONFLICT (id) DO UPDATE SET email = excluded.email, email_lower = excluded.email_lower,
       name = excluded.name, plan = excluded.plan, created_at = excluded.created_at,
       updated_at = excluded.updated_at, version = excluded.version, user = excluded.user, crc = excluded.crc`,
  );
  const deleteUser = db.prepare('DELETE FROM users WHERE id = ?');
  // OR REPLACE: a request id whose outcome outlived the retention is decided anew (lib/requestRetention.ts),
  // and its new outcome takes the old one's place, before or after the old one was pruned alike.
  const outcomes = new ChunkedInsert(db, 'INSERT OR REPLACE INTO outcomes (command_id, request_id, partition, offset, event, occurred_at, crc)', 7);
  const saveCursor = db.prepare(
    `INSERT INTO applied_cursor (partition, next_offset) VALUES (?, ?)
     ON CONFLICT (partition) DO UPDATE SET next_offset = excluded.next_offset`,
  );
  let cursor = readAppliedCursor(db);

  const applyChange = (event: UserEvent): void => {
    switch (event.kind) {
      case 'user_created':
        return users.add(...userRowValues(event.user_created.user));
      case 'user_updated':
        return users.add(...userRowValues(event.user_updated.user));
      case 'user_deleted':
        users.flush(); // the user's earlier upserts first
        deleteUser.run(event.user_deleted.user.id);
        return;
      case 'user_erased':
        users.flush();
        deleteUser.run(event.user_erased.user_id);
        return;
      // A rejection changes no user; a record still sealed is an erased user's, with nothing left to read.
      case 'command_rejected':
      case 'sealed':
        return;
    }
  };

  const decided = db.prepare('SELECT 1 FROM outcomes WHERE command_id = ?').pluck();

  const applyInTransaction = db.transaction((events: PositionedEvent[], through: Cursor | undefined): Applied => {
    // Offsets are tracked in a plain map and made a Cursor once: a replay applies millions of events.
    const offsets = new Map(cursor.entries());
    const fresh: PositionedEvent[] = [];
    const inBatch = new Set<string>();
    for (const positioned of events) {
      const { event, partition, offset } = positioned;
      if ((offsets.get(partition) ?? 0) > offset) continue;
      offsets.set(partition, offset + 1);
      // A second event of one command (kafkajs can send a transaction's records twice when it
      // retries a produce spread over several leaders) is passed over, on every replica and in
      // every rebuild alike: applied again it could set a user back to an older image, and its
      // outcome row would break the view's unique index and stop the projector for good.
      if (inBatch.has(event.command_id) || decided.get(event.command_id) !== undefined) continue;
      inBatch.add(event.command_id);
      fresh.push(positioned);
      applyChange(event);
      const requestId = event.request_id || null;
      const occurredAt = millisFromTimestamp(event.occurred_at);
      outcomes.add(
        event.command_id,
        requestId,
        partition,
        offset,
        positioned.bytes,
        occurredAt,
        outcomeRowCrc(event.command_id, requestId, partition, offset, positioned.bytes, occurredAt),
      );
    }
    users.flush();
    outcomes.flush();
    let next = Cursor.of(offsets);
    if (through) next = next.max(through);
    for (const [partition, offset] of next.entries()) {
      if (offset !== cursor.get(partition) || !cursor.partitions().includes(partition)) saveCursor.run(partition, offset);
    }
    return { cursor: next, events: fresh };
  });

  return {
    /** The position this view has applied up to. */
    cursor: (): Cursor => cursor,
    /**
     * Applies a batch in one transaction. `through` is the reader's position after the batch,
     * which can be past the last event (Kafka's transaction markers take offsets too).
     */
    apply(events: PositionedEvent[], through?: Cursor): Applied {
      let applied: Applied;
      try {
        applied = applyInTransaction(events, through);
      } catch (error) {
        users.discard();
        outcomes.discard();
        throw error;
      }
      cursor = applied.cursor;
      return applied;
    },
  };
}

export type Projection = ReturnType<typeof createProjection>;

export function readAppliedCursor(db: Db): Cursor {
  const rows = db.prepare('SELECT partition, next_offset FROM applied_cursor').all() as Array<{
    partition: number;
    next_offset: number;
  }>;
  return Cursor.of(rows.map((r) => [r.partition, r.next_offset] as const));
}
