import type { Encoded } from '../proto/encoded';
import type { User } from '../proto/messages';
import type { PositionedEvent } from './projection';

/**
 * The encoded users GetUser read lately, by id, so a user read again is answered without SQLite
 * (a point look-up was about a tenth of a GetUser's CPU). The view's projector is the only writer
 * of its file and runs in this process, synchronously: it forgets every user a batch touches
 * before that batch is applied, so an entry is always the row as it stands. Bounded: past `limit`
 * entries the oldest goes first.
 */
export class EncodedUserCache {
  private readonly users = new Map<string, Encoded<User>>();

  constructor(private readonly limit = 10_000) {}

  /** The user's bytes, from `read` (the row) when not kept; an absent user is not kept. */
  get(id: string, read: (id: string) => Encoded<User> | undefined): Encoded<User> | undefined {
    let user = this.users.get(id);
    if (user === undefined) {
      user = read(id);
      if (user === undefined) return undefined;
      if (this.users.size >= this.limit) this.users.delete(this.users.keys().next().value as string);
      this.users.set(id, user);
    }
    return user;
  }

  /** Forgets every user (the view was emptied). */
  clear(): void {
    this.users.clear();
  }

  /** Forgets the users these events change (whether or not the projection then applies them). */
  forget(events: readonly PositionedEvent[]): void {
    for (const { event } of events) {
      if (event.kind === 'user_created') this.users.delete(event.user_created.user.id);
      else if (event.kind === 'user_updated') this.users.delete(event.user_updated.user.id);
      else if (event.kind === 'user_deleted') this.users.delete(event.user_deleted.user.id);
    }
  }
}
