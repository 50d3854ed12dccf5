import type { Timestamp } from '../../lib/timestamp';
import { userOf, type User, type UserEvent } from '../../proto/messages';
import { erasedUser } from '../../store/outcome';
import type { LogRecord } from '../eventLog';
import { decodeEvent } from '../codec';
import type { Keys } from '../sealing/sealedRecords';

/** One change of one user, as subscribers receive it. */
export interface UserChange {
  /** `erased`: drop everything kept of the user; `user` then carries only its id and version. */
  type: 'created' | 'updated' | 'deleted' | 'erased';
  /** The user's full image after the change (the last image for a deletion). */
  user: User;
  /** The image before an update or deletion; null for a creation and for events written before it was recorded. */
  previous: User | null;
  /** Grows by one with each change of this user: with at-least-once delivery, skip what you have seen. */
  version: number;
  commandId: string;
  requestId: string;
  occurredAt: Timestamp | null;
  /** Where the change is on the log: `partition:offset` just past it. */
  position: string;
}

const TYPES: Partial<Record<UserEvent['kind'], UserChange['type']>> = { user_created: 'created', user_updated: 'updated', user_deleted: 'deleted' };

/**
 * The change a record of users.events carries, opened with `keys`; undefined for a rejected
 * command (not a change) and for a record of an erased user (still sealed: nothing to read).
 */
export function userChangeOf(record: LogRecord, keys: Keys): UserChange | undefined {
  const event = decodeEvent(record, keys);
  if (event.kind === 'user_erased') {
    const { user_id: id, version } = event.user_erased;
    return {
      type: 'erased',
      user: erasedUser(id, version),
      previous: null,
      version,
      commandId: event.command_id,
      requestId: event.request_id,
      occurredAt: event.occurred_at,
      position: `${record.partition}:${record.offset + 1}`,
    };
  }
  const user = userOf(event);
  const type = TYPES[event.kind];
  if (!user || !type) return undefined;
  return {
    type,
    user,
    previous:
      event.kind === 'user_updated' ? (event.user_updated.previous ?? null) : event.kind === 'user_deleted' ? (event.user_deleted.previous ?? null) : null,
    version: Number(user.version),
    commandId: event.command_id,
    requestId: event.request_id,
    occurredAt: event.occurred_at,
    position: `${record.partition}:${record.offset + 1}`,
  };
}
