import { createCommand, deleteCommand, updateCommand } from '../../../handlers/common/commands';
import { differentRequests, requestDigest } from '../../../handlers/common/requestDigest';
import type { HandlerContext } from '../../../handlers/handlerContext';
import { UserPlan, type Command, type CreateUserRequest, type UpdateUserRequest } from '../../../proto/messages';

let n = 0;
/** Only what the command builders read: fresh ids and a clock, so two builds differ in everything the digest must ignore. */
const ctx = { deps: { newId: () => `id-${n++}`, clock: () => 1_700_000_000_000 + n } } as unknown as HandlerContext;
const hex = (command: Command) => Buffer.from(command.request_digest ?? []).toString('hex');

const create: CreateUserRequest = { email: 'ada@example.com', name: 'Ada', plan: UserPlan.USER_PLAN_PRO, request_id: 'r-1' };
const update: UpdateUserRequest = {
  user: { id: 'u1', email: 'b@example.com', name: 'B', plan: UserPlan.USER_PLAN_PRO, created_at: null, updated_at: null, version: 0 },
  update_mask: { paths: ['name', 'plan', 'email'] },
  expected_version: 3,
  request_id: 'r-1',
};
const remove = { id: 'u1', expected_version: 3, request_id: 'r-1' };

describe('requestDigest', () => {
  it('is 16 bytes, the same for the same request whatever ids and time the handler made up', () => {
    const a = createCommand(create, ctx);
    const b = createCommand(create, ctx);
    expect(a.command_id).not.toBe(b.command_id);
    expect(a.request_digest).toHaveLength(16);
    expect(hex(a)).toBe(hex(b));
    expect(hex(updateCommand(update, ctx))).toBe(hex(updateCommand(update, ctx)));
    expect(hex(deleteCommand(remove, ctx))).toBe(hex(deleteCommand(remove, ctx)));
  });

  it('does not count the request_id itself, surrounding blanks, or the order of mask paths', () => {
    expect(hex(createCommand({ ...create, request_id: 'r-2' }, ctx))).toBe(hex(createCommand(create, ctx)));
    expect(hex(createCommand({ ...create, email: ' ada@example.com ', name: 'Ada  ' }, ctx))).toBe(hex(createCommand(create, ctx)));
    expect(hex(updateCommand({ ...update, update_mask: { paths: ['email', 'plan', 'name', 'email'] } }, ctx))).toBe(hex(updateCommand(update, ctx)));
  });

  it.each([
    ['email', { email: 'other@example.com' }],
    ['email case', { email: 'Ada@example.com' }],
    ['name', { name: 'Ada L' }],
    ['plan', { plan: UserPlan.USER_PLAN_ENTERPRISE }],
  ])('changes with the CreateUser %s', (_, change) => {
    expect(hex(createCommand({ ...create, ...change }, ctx))).not.toBe(hex(createCommand(create, ctx)));
  });

  it.each([
    ['user id', { user: { ...update.user!, id: 'u2' } }],
    ['email', { user: { ...update.user!, email: 'c@example.com' } }],
    ['name', { user: { ...update.user!, name: 'C' } }],
    ['plan', { user: { ...update.user!, plan: UserPlan.USER_PLAN_ENTERPRISE } }],
    ['mask', { update_mask: { paths: ['name'] } }],
    ['expected version', { expected_version: 4 }],
  ])('changes with the UpdateUser %s', (_, change) => {
    expect(hex(updateCommand({ ...update, ...change }, ctx))).not.toBe(hex(updateCommand(update, ctx)));
  });

  it.each([
    ['user id', { id: 'u2' }],
    ['expected version', { expected_version: 0 }],
  ])('changes with the DeleteUser %s', (_, change) => {
    expect(hex(deleteCommand({ ...remove, ...change }, ctx))).not.toBe(hex(deleteCommand(remove, ctx)));
  });

  it('tells methods apart', () => {
    const digests = [createCommand(create, ctx), updateCommand(update, ctx), deleteCommand(remove, ctx)].map(hex);
    expect(new Set(digests).size).toBe(3);
  });

  it('is left out without a request_id: such a command cannot be retried', () => {
    expect(createCommand({ ...create, request_id: '' }, ctx).request_digest).toBeUndefined();
  });

  it('cannot tell requests apart when either side has no digest (records from before)', () => {
    const a = requestDigest(createCommand(create, ctx));
    const b = requestDigest(createCommand({ ...create, name: 'Other' }, ctx));
    expect(differentRequests(a, b)).toBe(true);
    expect(differentRequests(a, Buffer.from(a))).toBe(false);
    expect(differentRequests(a, new Uint8Array(0))).toBe(false);
    expect(differentRequests(undefined, b)).toBe(false);
  });
});
