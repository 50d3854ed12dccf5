import { checkId } from '../events/decider/userRules';
import { NotFoundError } from '../lib/errors';
import type { Encoded } from '../proto/encoded';
import type { GetUserRequest, User } from '../proto/messages';
import { awaitReadConsistency } from './common/readConsistency';
import { CURSOR_TRAILER, type HandlerContext } from './handlerContext';

/**
 * GetUser: one user from the local view, after `users-min-cursor` if the client sent one. It
 * answers with the bytes the view keeps encoded: GetUser is the hot read, and a decode into an
 * object only to encode it again was a fair part of its cost.
 */
export async function getUser(request: GetUserRequest, ctx: HandlerContext): Promise<Encoded<User>> {
  const id = checkId(request.id);
  await awaitReadConsistency(ctx);
  ctx.setTrailer(CURSOR_TRAILER, ctx.deps.cursors.format(ctx.deps.view.cursor()));
  const user = ctx.deps.view.getEncodedUser(id);
  if (!user) throw new NotFoundError(`User ${id} not found`);
  return user;
}
