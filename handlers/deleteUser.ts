import type { DeleteUserRequest, DeleteUserResponse } from '../proto/messages';
import { deleteCommand } from './common/commands';
import { submitCommand, userFromOutcome } from './common/submitCommand';
import type { HandlerContext } from './handlerContext';

/** DeleteUser: the answer carries the version the deletion gave the user. */
export async function deleteUser(request: DeleteUserRequest, ctx: HandlerContext): Promise<DeleteUserResponse> {
  const outcome = await submitCommand(deleteCommand(request, ctx), ctx);
  const user = userFromOutcome(outcome, ctx);
  return { id: user.id, version: user.version };
}
