import { NotFoundError } from '../lib/errors';
import type { EraseUserRequest, EraseUserResponse } from '../proto/messages';
import { eraseCommand } from './common/commands';
import { submitCommand, userFromOutcome } from './common/submitCommand';
import { CURSOR_TRAILER, type HandlerContext } from './handlerContext';

/**
 * EraseUser: the decider destroys the user's key and says so on the log (UserErased, which every
 * replica applies by dropping what it holds of the user), so its sealed records, on the log and in
 * every copy of it, can never be read again. The answer waits until this replica's view has applied
 * it, then truncates the view's WAL so no old page of the user's row is left there.
 */
export async function eraseUser(request: EraseUserRequest, ctx: HandlerContext): Promise<EraseUserResponse> {
  const command = eraseCommand(request, ctx);
  const { keys, view, deciderState } = ctx.deps;
  const id = command.kind === 'erase_user' ? command.erase_user.user_id : request.id;
  await keys.refresh([id]);
  const retry = command.request_id ? view.findOutcome({ commandId: command.command_id, requestId: command.request_id }) : undefined;
  // No key and no user: never created, or erased before. Nothing is appended for it.
  if (!retry && !keys.keyOf(id) && !view.getUser(id)) {
    ctx.setTrailer(CURSOR_TRAILER, ctx.deps.cursors.format(view.cursor()));
    throw new NotFoundError(`User ${id} not found (never created, or erased already)`);
  }
  const user = userFromOutcome(await submitCommand(command, ctx), ctx);
  for (const scrubbed of new Set([view, deciderState])) scrubbed.scrub();
  return { id: user.id, deleted: user.version > 0 };
}
