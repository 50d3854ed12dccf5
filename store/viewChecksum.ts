import { createHash } from 'node:crypto';
import type { Db } from './openDatabase';
import { readAppliedCursor } from './projection';

export interface ViewChecksum {
  checksum: string;
  cursor: string;
  users: number;
  outcomes: number;
}

/**
 * A SHA-256 over everything a view holds (users, outcomes, applied cursor), read in one
 * transaction so a live view gives the checksum of one consistent state. Two views built from
 * the same log must agree: that is how replay determinism is proven.
 */
export function viewChecksum(db: Db): ViewChecksum {
  return db.transaction(() => {
    const hash = createHash('sha256');
    let users = 0;
    let outcomes = 0;
    for (const row of db.prepare('SELECT * FROM users ORDER BY id').iterate()) {
      hash.update(JSON.stringify(row)).update('\n');
      users++;
    }
    hash.update('--outcomes\n');
    for (const row of db.prepare('SELECT command_id, request_id, partition, offset, hex(event) AS event FROM outcomes ORDER BY command_id').iterate()) {
      hash.update(JSON.stringify(row)).update('\n');
      outcomes++;
    }
    const cursor = readAppliedCursor(db).toString();
    hash.update(`--cursor ${cursor}\n`);
    return { checksum: hash.digest('hex'), cursor, users, outcomes };
  })();
}
