import { checkEmail, checkExpectedVersion, checkId, checkName, checkPaths, checkPlan } from '../../events/decider/userRules';
import { InvalidArgumentError } from '../../lib/errors';
import { requestIdError } from '../../lib/requestId';
import { timestampFromMillis } from '../../lib/timestamp';
import type { CreateUserRequest, DeleteUserRequest, EraseUserRequest, OpenCommand, UpdateUserRequest } from '../../proto/messages';
import type { HandlerContext } from '../handlerContext';
import { edgeEmail, edgeName } from './identityText';
import { requestDigest } from './requestDigest';

type Head = Pick<OpenCommand, 'command_id' | 'request_id' | 'issued_at'>;

/** Fields every command carries; the clock is read here, never in the decider. */
function head(requestId: string, ctx: HandlerContext): Head {
  return { command_id: ctx.deps.newId(), request_id: checkRequestId(requestId), issued_at: timestampFromMillis(ctx.deps.clock()) };
}

/**
 * The commands handlers append. They check what can be checked without state, so a bad request
 * is refused at once and never reaches the log; the decider checks again, as the authority.
 * Emails and names also pass the edge rules of identityText.ts, which the decider does not know.
 */
export function createCommand(request: CreateUserRequest, ctx: HandlerContext): OpenCommand {
  return digested({
    ...head(request.request_id, ctx),
    kind: 'create_user',
    create_user: {
      user_id: ctx.deps.newId(),
      email: checkEmail(edgeEmail(request.email)),
      name: checkName(edgeName(request.name)),
      plan: checkPlan(request.plan),
    },
  });
}

export function updateCommand(request: UpdateUserRequest, ctx: HandlerContext): OpenCommand {
  const user = request.user;
  if (!user) throw new InvalidArgumentError('user', 'is required (with at least user.id)');
  const paths = checkPaths(request.update_mask?.paths.length ? request.update_mask.paths : populatedPaths(user));
  if (paths.length === 0) throw new InvalidArgumentError('update_mask', 'names nothing to update (set update_mask or a field of user)');
  return digested({
    ...head(request.request_id, ctx),
    kind: 'update_user',
    update_user: {
      user_id: checkId(user.id, 'user.id'),
      email: paths.includes('email') ? checkEmail(edgeEmail(user.email, 'user.email'), 'user.email') : '',
      name: paths.includes('name') ? checkName(edgeName(user.name, 'user.name'), 'user.name') : '',
      plan: paths.includes('plan') ? checkPlan(user.plan, 'user.plan', false) : 0,
      paths,
      expected_version: checkExpectedVersion(request.expected_version),
    },
  });
}

export function deleteCommand(request: DeleteUserRequest, ctx: HandlerContext): OpenCommand {
  return digested({
    ...head(request.request_id, ctx),
    kind: 'delete_user',
    delete_user: { user_id: checkId(request.id), expected_version: checkExpectedVersion(request.expected_version) },
  });
}

export function eraseCommand(request: EraseUserRequest, ctx: HandlerContext): OpenCommand {
  return digested({ ...head(request.request_id, ctx), kind: 'erase_user', erase_user: { user_id: checkId(request.id) } });
}

/** Only a request with a request_id can be retried, so only its command carries what it asked. */
function digested(command: OpenCommand): OpenCommand {
  if (command.request_id) command.request_digest = requestDigest(command);
  return command;
}

/** AIP-134: with no mask, every field the client populated is updated. */
function populatedPaths(user: NonNullable<UpdateUserRequest['user']>): string[] {
  const paths: string[] = [];
  if (user.email !== '') paths.push('email');
  if (user.name !== '') paths.push('name');
  if (user.plan !== 0) paths.push('plan');
  return paths;
}

function checkRequestId(requestId: string): string {
  const error = requestIdError(requestId, 'request_id');
  if (error) throw error;
  return requestId;
}
