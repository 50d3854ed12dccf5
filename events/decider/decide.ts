import { AlreadyExistsError, EmailTakenError, NotFoundError, ServiceError, WrongExpectedVersionError } from '../../lib/errors';
import {
  commandUserId,
  type Command,
  type CommandRejected,
  type CreateUser,
  type DeleteUser,
  type UpdateUser,
  type User,
  type OpenEvent,
  type UserErased,
} from '../../proto/messages';
import { outcomeStands } from '../../lib/requestRetention';
import { millisFromTimestamp } from '../../lib/timestamp';
import { checkEmail, checkExpectedVersion, checkId, checkName, checkPaths, checkPlan } from './userRules';

/** What deciding needs to know about the past: a fold of the events decided so far. */
export interface DeciderState {
  getUser(id: string): User | undefined;
  /** The id of the user holding an email, compared case-insensitively. */
  emailOwner(email: string): string | undefined;
  /** When a command with this request id was last decided (its event's occurred_at), while its outcome is kept. */
  requestDecidedAt(requestId: string): number | undefined;
  /** The newest occurred_at decided so far (0 before any): the log's own clock. */
  decidedThrough(): number;
  /** How long a request id's outcome answers its retries (lib/requestRetention.ts). */
  readonly requestIdRetentionMs: number;
  /** True once this very command has been decided (a producer retry can append it twice). */
  seenCommand(commandId: string): boolean;
}

type Head = Pick<OpenEvent, 'command_id' | 'request_id' | 'request_digest' | 'occurred_at'>;

/**
 * Turns one command into the event it stands for, or undefined for a command decided before
 * (appended twice) or a retry of a request already decided (its first outcome stands). Pure: the same state and command give the same event on
 * every machine; ids and times come in the command.
 */
export function decide(state: DeciderState, command: Command): OpenEvent | undefined {
  if (state.seenCommand(command.command_id)) return undefined;
  if (command.request_id && requestStands(state, command)) return undefined;
  const head: Head = { command_id: command.command_id, request_id: command.request_id, occurred_at: command.issued_at };
  // Kept with the outcome, so a later request with this request_id can be told apart from a retry.
  if (command.request_digest?.length) head.request_digest = command.request_digest;
  try {
    switch (command.kind) {
      case 'create_user':
        return { ...head, kind: 'user_created', user_created: { user: create(state, command.create_user, head) } };
      case 'update_user':
        return { ...head, kind: 'user_updated', user_updated: update(state, command.update_user, head) };
      case 'delete_user':
        return { ...head, kind: 'user_deleted', user_deleted: remove(state, command.delete_user, head) };
      case 'erase_user':
        return { ...head, kind: 'user_erased', user_erased: erase(state, command.erase_user.user_id) };
      case 'sealed':
        // Its user's key was destroyed between the append and now: the user is erased, and what
        // the command asked can no longer be read, let alone done.
        throw new NotFoundError(`User ${command.sealed.user_id} was erased before this request was decided`);
    }
  } catch (error) {
    if (!(error instanceof ServiceError)) throw error;
    return { ...head, kind: 'command_rejected', command_rejected: rejection(error, commandUserId(command)) };
  }
}

/** A retry within the retention is answered by the first outcome; after it, the request applies as new. */
function requestStands(state: DeciderState, command: Command): boolean {
  const decidedAt = state.requestDecidedAt(command.request_id);
  return decidedAt !== undefined && outcomeStands(decidedAt, state.decidedThrough(), millisFromTimestamp(command.issued_at), state.requestIdRetentionMs);
}

/** A rejection as the log keeps it: the ErrorInfo goes with it, so every later answer repeats it. */
function rejection(error: ServiceError, userId: string): CommandRejected {
  const field = (error as { field?: string }).field ?? '';
  const rejected: CommandRejected = { code: error.code, reason: error.message, user_id: userId, field };
  if (error.info) Object.assign(rejected, { error_reason: error.info.reason, error_metadata: { ...error.info.metadata } });
  return rejected;
}

function create(state: DeciderState, command: CreateUser, head: Head): User {
  const id = checkId(command.user_id, 'user_id');
  const email = checkEmail(command.email);
  const user: User = {
    id,
    email,
    name: checkName(command.name),
    plan: checkPlan(command.plan),
    created_at: head.occurred_at,
    updated_at: head.occurred_at,
    version: 1,
  };
  if (state.getUser(id)) throw new AlreadyExistsError(`User ${id} already exists`);
  assertEmailFree(state, email, id);
  return user;
}

// Each change carries its before-image, so a filtered subscriber can tell a user that left its
// filter from one it never had, without a look-up of its own.
function update(state: DeciderState, command: UpdateUser, head: Head): { user: User; changed_paths: string[]; previous: User } {
  const current = existing(state, command.user_id, command.expected_version);
  const paths = checkPaths(command.paths);
  const next: User = { ...current, updated_at: head.occurred_at, version: current.version + 1 };
  for (const path of paths) {
    if (path === 'email') next.email = checkEmail(command.email, 'user.email');
    if (path === 'name') next.name = checkName(command.name, 'user.name');
    if (path === 'plan') next.plan = checkPlan(command.plan, 'user.plan', false);
  }
  if (paths.includes('email')) assertEmailFree(state, next.email, next.id);
  return { user: next, changed_paths: paths.filter((p) => next[p] !== current[p]), previous: current };
}

function remove(state: DeciderState, command: DeleteUser, head: Head): { user: User; previous: User } {
  const current = existing(state, command.user_id, command.expected_version);
  return { user: { ...current, updated_at: head.occurred_at, version: current.version + 1 }, previous: current };
}

/** An erasure deletes the user if it still exists; its version then grows by one, as a deletion's would. */
function erase(state: DeciderState, userId: string): UserErased {
  const id = checkId(userId, 'id');
  const current = state.getUser(id);
  return { user_id: id, version: current ? current.version + 1 : 0 };
}

function existing(state: DeciderState, id: string, expectedVersion: number): User {
  const user = state.getUser(checkId(id));
  if (!user) throw new NotFoundError(`User ${id} not found`);
  const expected = checkExpectedVersion(expectedVersion);
  if (expected !== 0 && expected !== user.version) throw new WrongExpectedVersionError(expected, user.version);
  return user;
}

function assertEmailFree(state: DeciderState, email: string, id: string): void {
  const owner = state.emailOwner(email);
  if (owner !== undefined && owner !== id) throw new EmailTakenError(email);
}
