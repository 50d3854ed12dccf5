import { decideBatch } from '../../../events/decider/decideCommands';
import type { DeciderState } from '../../../events/decider/decide';
import { Code } from '../../../lib/code';
import type { Command, User, UserEvent, UserPlan } from '../../../proto/messages';

/** A fake state for speed; the integration of the decider with its SQLite state is covered end to end. */
function stateWith(users: User[] = [], requests: string[] = [], decidedAt = AT_MS): DeciderState {
  return {
    getUser: (id) => users.find((u) => u.id === id),
    emailOwner: (email) => users.find((u) => u.email.toLowerCase() === email.toLowerCase())?.id,
    requestDecidedAt: (r) => (requests.includes(r) ? decidedAt : undefined),
    decidedThrough: () => decidedAt,
    requestIdRetentionMs: DAY_MS,
    seenCommand: () => false,
  };
}

const AT_MS = 1_700_000_000_000;
const DAY_MS = 86_400_000;
const at = { seconds: AT_MS / 1000, nanos: 0 };
let n = 0;
const head = (request_id = '') => ({ command_id: `c${n++}`, request_id, issued_at: at });
const create = (user_id: string, email: string, request_id = ''): Command => ({
  ...head(request_id),
  kind: 'create_user',
  create_user: { user_id, email, name: `N ${user_id}`, plan: 0 },
});
const update = (user_id: string, fields: Partial<{ email: string; name: string; plan: UserPlan }>, expected_version = 0): Command => ({
  ...head(),
  kind: 'update_user',
  update_user: { user_id, email: '', name: '', plan: 0, expected_version, ...fields, paths: Object.keys(fields) },
});
const remove = (user_id: string, expected_version = 0): Command => ({ ...head(), kind: 'delete_user', delete_user: { user_id, expected_version } });
const erase = (user_id: string): Command => ({ ...head(), kind: 'erase_user', erase_user: { user_id } });
const rejection = (event: UserEvent) => (event.kind === 'command_rejected' ? [event.command_rejected.code, event.command_rejected.field] : undefined);

describe('decide an erasure', () => {
  it('deletes the user at its next version and frees its email, earlier in the batch too', () => {
    const events = decideBatch(stateWith(), [
      create('u1', 'a@x.io'),
      update('u1', { name: 'B' }),
      erase('u1'),
      create('u2', 'A@x.io'),
      update('u1', { name: 'C' }),
    ]);
    expect(events.map((e) => e.kind)).toEqual(['user_created', 'user_updated', 'user_erased', 'user_created', 'command_rejected']);
    expect(events[2]).toMatchObject({ user_erased: { user_id: 'u1', version: 3 } });
    expect(rejection(events[4])).toEqual([Code.NOT_FOUND, '']);
  });

  it('of a user deleted before: version 0, nothing else to do', () => {
    expect(decideBatch(stateWith(), [erase('gone')])).toMatchObject([{ kind: 'user_erased', user_erased: { user_id: 'gone', version: 0 } }]);
  });

  it('a command whose key was destroyed before it was decided (still sealed) is NOT_FOUND, naming its user', () => {
    const sealed: Command = {
      ...head(),
      kind: 'sealed',
      sealed: { user_id: 'u9', nonce: Buffer.alloc(12), ciphertext: Buffer.alloc(16), kind: 'update_user' },
    };
    const [event] = decideBatch(stateWith(), [sealed]);
    expect(event).toMatchObject({
      kind: 'command_rejected',
      command_rejected: { code: Code.NOT_FOUND, user_id: 'u9', reason: 'User u9 was erased before this request was decided' },
    });
  });
});

describe('decide', () => {
  it('creates a user at version 1 with the command time and a FREE default plan', () => {
    const [event] = decideBatch(stateWith(), [create('u1', ' A@x.io ')]);
    expect(event).toMatchObject({
      kind: 'user_created',
      user_created: { user: { id: 'u1', email: 'A@x.io', plan: 1, version: 1, created_at: at, updated_at: at } },
    });
  });

  it('sees earlier commands of the same batch: a second claim of an email is rejected', () => {
    const events = decideBatch(stateWith(), [create('u1', 'a@x.io'), create('u2', 'A@X.IO'), update('u1', { email: 'b@x.io' }), create('u3', 'a@x.io')]);
    expect(events.map((e) => e.kind)).toEqual(['user_created', 'command_rejected', 'user_updated', 'user_created']);
    expect(rejection(events[1])).toEqual([Code.ALREADY_EXISTS, '']);
  });

  it('skips a request id already decided, in the store or earlier in the batch', () => {
    const events = decideBatch(stateWith([], ['old']), [create('u1', 'a@x.io', 'old'), create('u2', 'b@x.io', 'new'), create('u3', 'c@x.io', 'new')]);
    expect(events.map((e) => e.request_id)).toEqual(['new']);
  });

  it('applies a request id again once its outcome is older than the retention, measured on the log and not on this machine', () => {
    const issuedAt = (ms: number) => ({ seconds: ms / 1000, nanos: 0 });
    const retry = (ms: number): Command => ({ ...create('u1', 'a@x.io', 'old'), issued_at: issuedAt(ms) });
    // Within the retention of the first outcome: answered by it.
    expect(decideBatch(stateWith([], ['old']), [retry(AT_MS + DAY_MS)])).toEqual([]);
    // Past it: decided anew.
    expect(decideBatch(stateWith([], ['old']), [retry(AT_MS + DAY_MS + 1)]).map((e) => e.request_id)).toEqual(['old']);
    // A command from a clock running behind is still past it once the log has decided later events.
    const later = { ...stateWith([], ['old']), decidedThrough: () => AT_MS + 2 * DAY_MS };
    expect(decideBatch(later, [retry(AT_MS)]).map((e) => e.request_id)).toEqual(['old']);
    // In one batch, the earlier command's event counts at once, with its own time.
    const twice = decideBatch(stateWith(), [retry(AT_MS), retry(AT_MS + DAY_MS)]);
    expect(twice).toHaveLength(1);
  });

  it('decides a command appended twice only once', () => {
    const command = create('u1', 'a@x.io');
    expect(decideBatch(stateWith(), [command, command]).map((e) => e.command_id)).toEqual([command.command_id]);
  });

  it('checks versions, existence and rules, naming the field', () => {
    const user: User = { id: 'u1', email: 'a@x.io', name: 'A', plan: 1, created_at: at, updated_at: at, version: 4 };
    const events = decideBatch(stateWith([user]), [
      update('u1', { name: 'B' }, 3),
      update('nope', { name: 'B' }),
      update('u1', { name: ' ' }),
      update('u1', { plan: 0 }),
      remove('u1', 5),
      remove('u1', 4),
      update('u1', { name: 'after delete' }),
    ]);
    expect(events.map(rejection)).toEqual([
      [Code.ABORTED, ''],
      [Code.NOT_FOUND, ''],
      [Code.INVALID_ARGUMENT, 'user.name'],
      [Code.INVALID_ARGUMENT, 'user.plan'],
      [Code.ABORTED, ''],
      undefined,
      [Code.NOT_FOUND, ''],
    ]);
    expect(events[5]).toMatchObject({ kind: 'user_deleted', user_deleted: { user: { id: 'u1', version: 5 } } });
  });

  it('records the image before each update and deletion, so subscribers can tell what a user was', () => {
    const [created, updated, deleted] = decideBatch(stateWith(), [create('u1', 'a@x.io'), update('u1', { name: 'Z', plan: 2 }), remove('u1')]);
    const first = created.kind === 'user_created' ? created.user_created.user : undefined;
    expect(updated).toMatchObject({
      kind: 'user_updated',
      user_updated: { user: { version: 2, name: 'Z' }, previous: first, changed_paths: ['name', 'plan'] },
    });
    expect(deleted).toMatchObject({ kind: 'user_deleted', user_deleted: { user: { version: 3, name: 'Z' }, previous: { version: 2, name: 'Z', plan: 2 } } });
  });

  it('records the ErrorInfo of a rejection: VERSION_MISMATCH with both versions, EMAIL_TAKEN with the email', () => {
    const user: User = { id: 'u1', email: 'a@x.io', name: 'A', plan: 1, created_at: at, updated_at: at, version: 4 };
    const [stale, staleDelete, taken, missing] = decideBatch(stateWith([user]), [
      update('u1', { name: 'B' }, 3),
      remove('u1', 9),
      create('u2', 'A@X.io'),
      remove('nope'),
    ]);
    expect(stale).toMatchObject({ command_rejected: { code: Code.ABORTED, error_reason: 'VERSION_MISMATCH', error_metadata: { expected: '3', actual: '4' } } });
    expect(staleDelete).toMatchObject({ command_rejected: { error_reason: 'VERSION_MISMATCH', error_metadata: { expected: '9', actual: '4' } } });
    expect(taken).toMatchObject({ command_rejected: { code: Code.ALREADY_EXISTS, error_reason: 'EMAIL_TAKEN', error_metadata: { email: 'A@X.io' } } });
    // Rejections without a reason of their own keep the code's name, as before.
    expect(missing.kind === 'command_rejected' && missing.command_rejected.error_reason).toBeUndefined();
  });

  it('copies the request digest into the event, a rejection included', () => {
    const digest = Buffer.from([1, 2, 3]);
    const events = decideBatch(stateWith(), [
      { ...create('u1', 'a@x.io', 'r1'), request_digest: digest },
      { ...remove('nope'), request_digest: digest },
      create('u2', 'b@x.io'),
    ]);
    expect(events.map((e) => e.kind)).toEqual(['user_created', 'command_rejected', 'user_created']);
    expect(events.map((e) => e.request_digest)).toEqual([digest, digest, undefined]);
  });

  it('is deterministic: the same commands give the same events', () => {
    const commands = [create('u1', 'a@x.io'), update('u1', { name: 'Z', plan: 2 }), create('u2', 'a@x.io'), remove('u1')];
    expect(decideBatch(stateWith(), commands)).toEqual(decideBatch(stateWith(), commands));
  });
});
