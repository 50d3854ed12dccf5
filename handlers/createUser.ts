import type { CreateUserRequest, User } from '../proto/messages';
import { createCommand } from './common/commands';
import { submitCommand, userFromOutcome } from './common/submitCommand';
import type { HandlerContext } from './handlerContext';

/** CreateUser: appends a CreateUser command and answers with the user as the decider made it. */
export async function createUser(request: CreateUserRequest, ctx: HandlerContext): Promise<User> {
  const outcome = await submitCommand(createCommand(request, ctx), ctx);
  return userFromOutcome(outcome, ctx);
}
