import { millisFromTimestamp, timestampFromMillis } from '../lib/timestamp';
import type { User, UserPlan } from '../proto/messages';
import { DamagedRowError, userRowCrc } from './rowChecksum';

/** A row of the `users` table. Times are ms since the epoch so filters compare them as numbers. */
export interface UserRow {
  id: string;
  email: string;
  email_lower: string;
  name: string;
  /** Written from a plan the decider checked; a row whose checksum holds still has it. */
  plan: UserPlan;
  created_at: number;
  updated_at: number;
  version: number;
  crc: number;
}

/** The user a row holds, once its CRC holds (throws DamagedRowError otherwise). */
export function userFromRow(row: UserRow): User {
  checkUserRow(row);
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    plan: row.plan,
    created_at: timestampFromMillis(row.created_at),
    updated_at: timestampFromMillis(row.updated_at),
    version: row.version,
  };
}

export function checkUserRow(row: UserRow): void {
  // Types first: one flipped bit turns a TEXT column's serial type into a BLOB's of the same bytes,
  // which reads back as a Buffer whose text (and so CRC) is unchanged.
  const typed =
    [row.id, row.email, row.email_lower, row.name].every((v) => typeof v === 'string') &&
    [row.plan, row.created_at, row.updated_at, row.version].every(Number.isInteger);
  if (!typed || row.crc !== userRowCrc(row.id, row.email, row.email_lower, row.name, row.plan, row.created_at, row.updated_at, row.version)) {
    throw new DamagedRowError(`the users row of ${JSON.stringify(row.id)}`);
  }
}

/** A user as the values of a `users` row, in column order (positional binding is the cheap kind), its CRC last. */
export function userRowValues(user: User): [string, string, string, string, number, number, number, number, number] {
  const values = [
    user.id,
    user.email,
    user.email.toLowerCase(),
    user.name,
    user.plan,
    millisFromTimestamp(user.created_at),
    millisFromTimestamp(user.updated_at),
    Number(user.version),
  ] as const;
  return [...values, userRowCrc(...values)];
}
