import path from 'node:path';
import type { Statement } from 'better-sqlite3';
import { readLayout, writeLayout, type Layout } from '../../store/fileLayout';
import { openDatabase, type Db } from '../../store/openDatabase';
import { fromLambdaKafkaEvent, type LambdaKafkaEvent } from './lambdaKafkaEvent';
import { keysForBatch } from './subscriberKeys';
import { userChangeOf } from './userChange';

/**
 * An example subscriber: an audit trail of every user change, one row per (user, version).
 * Delivery is at least once; the primary key makes a redelivered change a no-op, so the trail
 * holds each change exactly once. It is a Lambda-shaped function: `handler(event)` takes the
 * AWS Lambda Kafka event, so it runs unchanged on a Lambda Kafka/MSK trigger.
 * The trail is a SQLite file: $AUDIT_TRAIL_DB, or audit.db in $USERSVC_DATA_DIR (./data).
 * An erasure keeps the trail's rows of the user (who changed what when) but blanks their email and
 * name, overwritten in the file (secure_delete) and checkpointed out of the WAL.
 */
export async function handler(event: LambdaKafkaEvent): Promise<{ recorded: number }> {
  const { db, insert, blank } = auditDb();
  const records = fromLambdaKafkaEvent(event);
  const keys = await keysForBatch(records);
  let recorded = 0;
  let erased = false;
  db.transaction(() => {
    for (const record of records) {
      const change = userChangeOf(record, keys);
      if (!change) continue;
      if (change.type === 'erased') {
        blank.run(change.user.id);
        erased = true;
      }
      const { user } = change;
      const at = change.occurredAt ? Number(change.occurredAt.seconds) * 1000 + Math.floor(change.occurredAt.nanos / 1e6) : 0;
      recorded += insert.run({
        user_id: user.id,
        version: change.version,
        change: change.type,
        email: user.email,
        name: user.name,
        plan: user.plan,
        command_id: change.commandId,
        request_id: change.requestId,
        occurred_at_ms: at,
        position: change.position,
      }).changes;
    }
  })();
  if (erased) db.pragma('wal_checkpoint(TRUNCATE)');
  return { recorded };
}

let opened: { file: string; db: Db; insert: Statement; blank: Statement } | undefined;

/** 1: the audit_trail table below. A trail of a newer release is refused (the handler fails), never rewritten. */
const AUDIT_LAYOUT: Layout = { kind: 'audit trail', current: 1 };

// The last connection to close checkpoints the WAL into the file: a copy of audit.db alone is then whole.
process.once('exit', () => opened?.db.close());

/** One connection (and its statement) per file for the life of the process (a Lambda container reuses it too). */
function auditDb(): { db: Db; insert: Statement; blank: Statement } {
  const file = process.env.AUDIT_TRAIL_DB ?? path.join(process.env.USERSVC_DATA_DIR ?? 'data', 'audit.db');
  if (opened?.file !== file) {
    opened?.db.close();
    const db = openDatabase(file);
    try {
      readLayout(db, file, AUDIT_LAYOUT);
    } catch (error) {
      db.close();
      throw error;
    }
    writeLayout(db, AUDIT_LAYOUT);
    db.exec(`CREATE TABLE IF NOT EXISTS audit_trail (
      user_id TEXT NOT NULL, version INTEGER NOT NULL, change TEXT NOT NULL, email TEXT NOT NULL, name TEXT NOT NULL,
      plan INTEGER NOT NULL, command_id TEXT NOT NULL, request_id TEXT NOT NULL, occurred_at_ms INTEGER NOT NULL, position TEXT NOT NULL,
      PRIMARY KEY (user_id, version)) WITHOUT ROWID`);
    const insert = db.prepare(
      `INSERT OR IGNORE INTO audit_trail (user_id, version, change, email, name, plan, command_id, request_id, occurred_at_ms, position)
       VALUES (@user_id, @version, @change, @email, @name, @plan, @command_id, @request_id, @occurred_at_ms, @position)`,
    );
    const blank = db.prepare("UPDATE audit_trail SET email = '', name = '' WHERE user_id = ?");
    opened = { file, db, insert, blank };
  }
  return opened;
}
