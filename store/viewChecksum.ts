import { createHash } from 'node:crypto';
import { openDatabase, type Db } from './openDatabase';
import { checkOutcomeRow, type OutcomeRow } from './outcome';
import { readAppliedCursor } from './projection';
import { checkUserRow, type UserRow } from './userRow';
import { pruneBefore } from '../lib/requestRetention';
import { readViewRetention } from './viewSchema';

export interface ViewChecksum {
  checksum: string;
  cursor: string;
  users: number;
  outcomes: number;
}

/**
 * A SHA-256 over everything a view holds (users, outcomes, applied cursor), read in one
 * transaction so a live view gives the checksum of one consistent state. Two views built from
 * the same log must agree: that is how replay determinism is proven. Outcomes count while they
 * stand (lib/requestRetention.ts: decided within the retention before the newest): older ones are
 * pruned in the background at no set time, and a rebuild or a snapshot brings back some of them,
 * so whether one is still in the file says nothing about the log.
 */
export function viewChecksum(db: Db): ViewChecksum {
  return db.transaction(() => {
    const hash = createHash('sha256');
    let users = 0;
    let outcomes = 0;
    for (const row of db.prepare('SELECT * FROM users ORDER BY id').iterate() as Iterable<UserRow>) {
      checkUserRow(row); // every row is read anyway: a checksum of damaged values would only mislead
      hash.update(JSON.stringify(row)).update('\n');
      users++;
    }
    hash.update('--outcomes\n');
    const newest = (db.prepare('SELECT MAX(occurred_at) FROM outcomes').pluck().get() as number | null) ?? 0;
    const since = pruneBefore(newest, readViewRetention(db));
    for (const row of db.prepare('SELECT * FROM outcomes WHERE occurred_at >= ? ORDER BY command_id').iterate(since) as Iterable<OutcomeRow>) {
      checkOutcomeRow(row);
      const { command_id, request_id, partition, offset, event } = row;
      hash.update(JSON.stringify({ command_id, request_id, partition, offset, event: event.toString('hex').toUpperCase() })).update('\n');
      outcomes++;
    }
    const cursor = readAppliedCursor(db).toString();
    hash.update(`--cursor ${cursor}\n`);
    return { checksum: hash.digest('hex'), cursor, users, outcomes };
  })();
}

/** The checksum of a view file, opened read-only for it. */
export function checksumOfFile(file: string): ViewChecksum {
  const db = openDatabase(file, { readonly: true });
  try {
    return viewChecksum(db);
  } finally {
    db.close();
  }
}
