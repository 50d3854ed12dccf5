import { userOf, type OpenEvent, type User } from '../../proto/messages';
import { millisFromTimestamp } from '../../lib/timestamp';
import type { DeciderState } from './decide';

/**
 * The decider's state while it decides one batch: the stored state plus the events decided
 * earlier in the batch, which are not stored until the batch is in the log.
 */
export class BatchState implements DeciderState {
  private readonly users = new Map<string, User | null>();
  private readonly emails = new Map<string, string | null>();
  private readonly requests = new Map<string, number>();
  private readonly commands = new Set<string>();
  private clock = 0;

  constructor(private readonly stored: DeciderState) {}

  get requestIdRetentionMs(): number {
    return this.stored.requestIdRetentionMs;
  }

  getUser(id: string): User | undefined {
    const user = this.users.get(id);
    return user === undefined ? this.stored.getUser(id) : (user ?? undefined);
  }

  emailOwner(email: string): string | undefined {
    const owner = this.emails.get(email.toLowerCase());
    return owner === undefined ? this.stored.emailOwner(email) : (owner ?? undefined);
  }

  requestDecidedAt(requestId: string): number | undefined {
    return this.requests.get(requestId) ?? this.stored.requestDecidedAt(requestId);
  }

  decidedThrough(): number {
    return Math.max(this.clock, this.stored.decidedThrough());
  }

  seenCommand(commandId: string): boolean {
    return this.commands.has(commandId) || this.stored.seenCommand(commandId);
  }

  /** Folds a decided event into the batch's view of the world. */
  record(event: OpenEvent): void {
    this.commands.add(event.command_id);
    const at = millisFromTimestamp(event.occurred_at);
    this.clock = Math.max(this.clock, at);
    if (event.request_id) this.requests.set(event.request_id, at);
    if (event.kind === 'user_erased') {
      const before = this.getUser(event.user_erased.user_id);
      if (before) this.emails.set(before.email.toLowerCase(), null);
      this.users.set(event.user_erased.user_id, null);
      return;
    }
    const user = userOf(event);
    if (!user) return;
    const before = this.getUser(user.id);
    if (before) this.emails.set(before.email.toLowerCase(), null);
    if (event.kind === 'user_deleted') {
      this.users.set(user.id, null);
    } else {
      this.users.set(user.id, user);
      this.emails.set(user.email.toLowerCase(), user.id);
    }
  }
}
