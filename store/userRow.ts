import { millisFromTimestamp, timestampFromMillis } from '../lib/timestamp';
import type { User } from '../proto/messages';

/** A row of the `users` table. Times are ms since the epoch so filters compare them as numbers. */
export interface UserRow {
  id: string;
  email: string;
  email_lower: string;
  name: string;
  plan: number;
  created_at: number;
  updated_at: number;
  version: number;
}

export function userFromRow(row: UserRow): User {
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

/** A user as the values of a `users` row, in column order (positional binding is the cheap kind). */
export function userRowValues(user: User): [string, string, string, string, number, number, number, number] {
  return [user.id, user.email, user.email.toLowerCase(), user.name, user.plan, millisFromTimestamp(user.created_at), millisFromTimestamp(user.updated_at), Number(user.version)];
}
