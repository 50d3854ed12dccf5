import { InvalidArgumentError, toStatus } from '../../lib/errors';
import { ChangeOp, type OpenCommand, type SyncResult, type UserChange, type WriteResult } from '../../proto/messages';
import { createCommand, deleteCommand, updateCommand } from '../common/commands';
import { submitCommand } from '../common/submitCommand';
import type { HandlerContext } from '../handlerContext';

/** Writes of one stream in flight at once. Appends happen in arrival order; results leave in it too. */
const MAX_IN_FLIGHT = 64;
/** The stream itself has no deadline (it is a feed); each write in it has this one. */
const WRITE_TIMEOUT_MS = 30_000;

/**
 * The write half of SyncUsers: every change becomes a command appended in the order the client
 * sent it, and its WriteResult is delivered in that same order. A change that fails gets a
 * WriteResult with the failure's code; it never ends the stream.
 */
export class SyncWrites {
  private delivered: Promise<void> = Promise.resolve();
  private inFlight = 0;
  private readonly slotFreed = new Set<() => void>();

  constructor(
    private readonly ctx: HandlerContext,
    private readonly deliver: (result: SyncResult) => Promise<void>,
  ) {}

  /** Starts a write; waits only when too many are already in flight. */
  async submit(change: UserChange): Promise<void> {
    while (this.inFlight >= MAX_IN_FLIGHT) await new Promise<void>((resolve) => this.slotFreed.add(resolve));
    this.inFlight++;
    const result = this.write(change);
    this.delivered = this.delivered.then(async () => {
      await this.deliver({ result: await result });
      this.inFlight--;
      for (const wake of [...this.slotFreed]) wake();
      this.slotFreed.clear();
    });
  }

  /** Resolves once every submitted write's result has been handed over. */
  drained(): Promise<void> {
    return this.delivered;
  }

  private async write(change: UserChange): Promise<WriteResult> {
    const base = { request_id: change.request_id, user: null, cursor: '' };
    try {
      this.ctx.authorize('SyncUsers.change');
      const ctx = { ...this.ctx, deadline: Math.min(this.ctx.deadline, Date.now() + WRITE_TIMEOUT_MS) };
      const outcome = await submitCommand(this.command(change), ctx);
      return { ...base, code: outcome.code, message: outcome.message, user: outcome.user, cursor: ctx.deps.cursors.format(outcome.cursor) };
    } catch (error) {
      const status = toStatus(error, (e) => this.ctx.deps.logger.error('sync write', { error: e }));
      return { ...base, code: status.code, message: status.message };
    }
  }

  private command(change: UserChange): OpenCommand {
    const user = change.user;
    switch (change.op) {
      case ChangeOp.CHANGE_OP_CREATE:
        return createCommand({ email: user?.email ?? '', name: user?.name ?? '', plan: user?.plan ?? 0, request_id: change.request_id }, this.ctx);
      case ChangeOp.CHANGE_OP_UPDATE:
        return updateCommand({ user, update_mask: change.update_mask, expected_version: change.expected_version, request_id: change.request_id }, this.ctx);
      case ChangeOp.CHANGE_OP_DELETE:
        return deleteCommand({ id: user?.id ?? '', expected_version: change.expected_version, request_id: change.request_id }, this.ctx);
      default:
        throw new InvalidArgumentError('change.op', 'must be CHANGE_OP_CREATE, CHANGE_OP_UPDATE or CHANGE_OP_DELETE');
    }
  }
}
