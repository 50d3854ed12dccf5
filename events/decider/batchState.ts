import { userOf, type OpenEvent, type User } from '../../proto/messages';
import type { DeciderState } from './decide';

/**
 * The decider's state while it decides one batch: the stored state plus the events decided
 * earlier in the batch, which are not stored until the batch is in the log.
 */
export class BatchState implements DeciderState {
  private readonly users = new Map<string, User | null>();
  private readonly emails = new Map<string, string | null>();
  private readonly requests = new Set<string>();
  private readonly commands = new Set<string>();

  constructor(private readonly stored: DeciderState) {}

  getUser(id: string): User | undefined {
    const user = this.users.get(id);
    return user === undefined ? this.stored.getUser(id) : (user ?? undefined);
  }

  emailOwner(email: string): string | undefined {
    const owner = this.emails.get(email.toLowerCase());
    return owner === undefined ? this.stored.emailOwner(email) : (owner ?? undefined);
  }

  seenRequest(requestId: string): boolean {
    return this.requests.has(requestId) || this.stored.seenRequest(requestId);
  }

  seenCommand(commandId: string): boolean {
    return this.commands.has(commandId) || this.stored.seenCommand(commandId);
  }

  /** Folds a decided event into the batch's view of the world. */
  record(event: OpenEvent): void {
    this.commands.add(event.command_id);
    if (event.request_id) this.requests.add(event.request_id);
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
