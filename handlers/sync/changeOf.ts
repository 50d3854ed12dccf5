import { ChangeType, type ChangeEvent, type User, type UserEvent } from '../../proto/messages';

/** What a subscriber is told about one event, before its cursor is known. */
export type Change = Omit<ChangeEvent, 'cursor'>;

/**
 * What one event means to a subscriber with this filter (`matches` undefined: no filter), or
 * undefined when it means nothing to it. A filtered replica must learn when a user it holds stops
 * matching (LEFT_FILTER) and when one it does not hold starts to (ENTERED_FILTER); a real delete is
 * always DELETED, so the two are never confused. Events written before the decider recorded
 * before-images cannot tell whether the user matched before: an update that does not match now
 * is then sent as LEFT_FILTER (harmless for a replica that never held the user), one that matches
 * as UPDATED (which a replica applies as an upsert).
 */
export function changeOf(event: UserEvent, matches?: (user: User) => boolean): Change | undefined {
  switch (event.kind) {
    case 'user_created': {
      const { user } = event.user_created;
      return !matches || matches(user) ? { type: ChangeType.CHANGE_TYPE_CREATED, user, previous: null, changed: null } : undefined;
    }
    case 'user_updated': {
      const { user, changed_paths: paths } = event.user_updated;
      const previous = event.user_updated.previous ?? null;
      const changed = { paths };
      if (!matches) return { type: ChangeType.CHANGE_TYPE_UPDATED, user, previous, changed };
      const now = matches(user);
      const before = previous ? matches(previous) : undefined;
      if (now) return { type: before === false ? ChangeType.CHANGE_TYPE_ENTERED_FILTER : ChangeType.CHANGE_TYPE_UPDATED, user, previous, changed };
      return before === false ? undefined : { type: ChangeType.CHANGE_TYPE_LEFT_FILTER, user, previous, changed };
    }
    case 'user_deleted': {
      const { user } = event.user_deleted;
      const previous = event.user_deleted.previous ?? null;
      return !matches || matches(previous ?? user) ? { type: ChangeType.CHANGE_TYPE_DELETED, user, previous, changed: null } : undefined;
    }
    case 'user_erased': {
      // Sent with or without a filter: whether the user matched cannot be known any more, and a
      // replica that never held it just has nothing to drop.
      const { user_id: id, version } = event.user_erased;
      const user: User = { id, email: '', name: '', plan: 0, created_at: null, updated_at: event.occurred_at, version };
      return { type: ChangeType.CHANGE_TYPE_ERASED, user, previous: null, changed: null };
    }
    // A rejection changes nothing; a record still sealed is an erased user's past, which no one may read.
    case 'command_rejected':
    case 'sealed':
      return undefined;
  }
}
