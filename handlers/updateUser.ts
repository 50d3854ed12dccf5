import type { UpdateUserRequest, User } from '../proto/messages';
import { updateCommand } from './common/commands';
import { submitCommand, userFromOutcome } from './common/submitCommand';
import type { HandlerContext } from './handlerContext';

/** UpdateUser (AIP-134): changes the paths of the mask, optionally only at an expected version. */
export async function updateUser(request: UpdateUserRequest, ctx: HandlerContext): Promise<User> {
  const outcome = await submitCommand(updateCommand(request, ctx), ctx);
  return userFromOutcome(outcome, ctx);
}
