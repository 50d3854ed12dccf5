import { commandRecord } from '../../events/codec';
import { COMMANDS } from '../../events/eventLog';
import { Code } from '../../lib/code';
import { errorFromOutcome } from '../../lib/errors';
import type { Command, User } from '../../proto/messages';
import type { Outcome } from '../../store/outcome';
import { CURSOR_TRAILER, type HandlerContext } from '../handlerContext';

/**
 * Appends a command and waits, within the call's deadline, until the local view has applied
 * its outcome: that is read-your-writes without shared state. A request id seen before
 * returns the first outcome without appending anything.
 */
export async function submitCommand(command: Command, ctx: HandlerContext): Promise<Outcome> {
  const { view, log } = ctx.deps;
  const key = { commandId: command.command_id, requestId: command.request_id || undefined };
  const known = view.findOutcome(key);
  if (known) return known;
  const giveUp = new AbortController();
  const stopWaiting = () => giveUp.abort(ctx.signal.reason);
  ctx.signal.addEventListener('abort', stopWaiting, { once: true });
  try {
    const outcome = view.waitForOutcome(key, ctx.deadline, giveUp.signal);
    outcome.catch(() => {}); // observed below; this keeps an early failure from going unhandled
    await log.append(COMMANDS, [commandRecord(command)]);
    return await outcome;
  } finally {
    giveUp.abort();
    ctx.signal.removeEventListener('abort', stopWaiting);
  }
}

/** The user an outcome produced, or the error it stands for; the cursor goes back as a trailer. */
export function userFromOutcome(outcome: Outcome, ctx: HandlerContext): User {
  ctx.setTrailer(CURSOR_TRAILER, outcome.cursor);
  if (outcome.code !== Code.OK || !outcome.user) throw errorFromOutcome(outcome.code, outcome.message);
  return outcome.user;
}
