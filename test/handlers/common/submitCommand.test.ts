import { commandRecord } from '../../../events/codec';
import { COMMANDS, EVENTS } from '../../../events/eventLog';
import { createCommand } from '../../../handlers/common/commands';
import { createUser } from '../../../handlers/createUser';
import { updateUser } from '../../../handlers/updateUser';
import { Code } from '../../../lib/code';
import { startInProcess, type InProcessService } from '../../support/inProcessService';
import { UserPlan, commandUserId, type CreateUserRequest } from '../../../proto/messages';

const request = (email: string, request_id: string): CreateUserRequest => ({ email, name: 'A', plan: UserPlan.USER_PLAN_UNSPECIFIED, request_id });
const endOf = async (service: InProcessService, topic: string) => (await service.deps.log.bounds(topic)).end.toString();

describe('submitCommand and request ids', () => {
  let service: InProcessService;
  afterEach(() => service.close());

  // Both calls pass the look-up before either is decided (a handler runs synchronously up to its
  // first wait), so this is the race: the decider takes the first and skips the second, and the
  // second's waiter is woken by the first's outcome.
  it('answers REQUEST_ID_REUSED to the second of two different requests racing with one request_id, applying only the first', async () => {
    service = startInProcess();
    const [first, second] = await Promise.allSettled([createUser(request('a@x.io', 'r'), service.ctx()), createUser(request('b@x.io', 'r'), service.ctx())]);
    expect(first).toMatchObject({ status: 'fulfilled', value: { email: 'a@x.io' } });
    expect(second).toMatchObject({
      status: 'rejected',
      reason: { code: Code.FAILED_PRECONDITION, info: { reason: 'REQUEST_ID_REUSED', metadata: { request_id: 'r' } } },
    });
    expect(await endOf(service, COMMANDS)).toBe('0:2');
    expect(await endOf(service, EVENTS)).toBe('0:1');
    expect(service.deps.view.emailOwner('b@x.io')).toBeUndefined();
  });

  it('answers both of two identical requests racing with one request_id with the one outcome', async () => {
    service = startInProcess();
    const [a, b] = await Promise.all([createUser(request('a@x.io', 'r'), service.ctx()), createUser(request('a@x.io', 'r'), service.ctx())]);
    expect(b).toEqual(a);
    expect(await endOf(service, EVENTS)).toBe('0:1');
  });

  it('compares against an outcome already known, a rejection included', async () => {
    service = startInProcess();
    const user = await createUser(request('a@x.io', 'c'), service.ctx());
    const stale = { user: { ...user, name: 'B' }, update_mask: { paths: ['name'] }, expected_version: 7, request_id: 'u' };
    await expect(updateUser(stale, service.ctx())).rejects.toMatchObject({
      code: Code.ABORTED,
      info: { reason: 'VERSION_MISMATCH', metadata: { expected: '7', actual: '1' } },
    });
    // The same stale request again gets the first outcome, VERSION_MISMATCH as recorded; another one is REQUEST_ID_REUSED.
    await expect(updateUser(stale, service.ctx())).rejects.toMatchObject({ code: Code.ABORTED, info: { reason: 'VERSION_MISMATCH' } });
    await expect(updateUser({ ...stale, expected_version: 1 }, service.ctx())).rejects.toMatchObject({
      code: Code.FAILED_PRECONDITION,
      info: { reason: 'REQUEST_ID_REUSED' },
    });
    expect(service.deps.view.getUser(user.id)).toEqual(user);
    expect(await endOf(service, EVENTS)).toBe('0:2');
  });

  it('cannot tell a reuse from a retry when the first command has no digest (written before digests): the first outcome stands', async () => {
    service = startInProcess();
    const old = createCommand(request('a@x.io', 'r'), service.ctx());
    delete old.request_digest;
    await service.deps.keys.create([commandUserId(old)]);
    await service.deps.log.append(COMMANDS, [commandRecord(old, service.deps.keys)]);
    const key = { commandId: old.command_id };
    if (!service.deps.view.findOutcome(key)) await service.deps.view.waitForNewOutcome(key, Date.now() + 5000);
    const answer = await createUser(request('b@x.io', 'r'), service.ctx());
    expect(answer.email).toBe('a@x.io');
  });
});
