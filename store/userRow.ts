import { millisFromTimestamp, timestampFromMillis } from '../lib/timestamp';
import type { Encoded } from '../proto/encoded';
import type { User, UserPlan } from '../proto/messages';
import { messageType } from '../proto/schema';
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
  /** The encoded `userservice.User` of the columns above, as GetUser and ListUsers send it. */
  user: Encoded<User>;
  crc: number;
}

/** The user a row holds, once its CRC holds (throws DamagedRowError otherwise). */
export function userFromRow(row: UserRow): User {
  checkUserRow(row);
  return userOf(row.id, row.email, row.name, row.plan, row.created_at, row.updated_at, row.version);
}

/** The encoded user a row holds, once its CRC holds (throws DamagedRowError otherwise): no decode, no encode. */
export function encodedUserFromRow(row: UserRow): Encoded<User> {
  checkUserRow(row);
  return row.user;
}

function userOf(id: string, email: string, name: string, plan: UserPlan, createdAt: number, updatedAt: number, version: number): User {
  return { id, email, name, plan, created_at: timestampFromMillis(createdAt), updated_at: timestampFromMillis(updatedAt), version };
}

export function checkUserRow(row: UserRow): void {
  // Types first: one flipped bit turns a TEXT column's serial type into a BLOB's of the same bytes,
  // which reads back as a Buffer whose text (and so CRC) is unchanged.
  const typed =
    [row.id, row.email, row.email_lower, row.name].every((v) => typeof v === 'string') &&
    [row.plan, row.created_at, row.updated_at, row.version].every(Number.isInteger) &&
    Buffer.isBuffer(row.user);
  if (!typed || row.crc !== userRowCrc(row.id, row.email, row.email_lower, row.name, row.plan, row.created_at, row.updated_at, row.version, row.user)) {
    throw new DamagedRowError(`the users row of ${JSON.stringify(row.id)}`);
  }
}

/**
 * A user as the values of a `users` row, in column order (positional binding is the cheap kind),
 * its encoded form and CRC last. The bytes are encoded from the user as the columns give it back
 * (times in ms), so they are exactly what encoding `userFromRow`'s answer would send.
 */
export function userRowValues(user: User): [string, string, string, string, number, number, number, number, Encoded<User>, number] {
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
  const [id, email, , name, plan, createdAt, updatedAt, version] = values;
  // Encoded straight from the typed values (protobufjs's fromObject, which only converts loose
  // input, cost a third more): the same bytes, as test/store/userRow checks against the golden.
  const bytes = USER.encode(userOf(id, email, name, plan, createdAt, updatedAt, version)).finish() as Encoded<User>;
  return [...values, bytes, userRowCrc(...values, bytes)];
}

const USER = messageType('userservice.User');
