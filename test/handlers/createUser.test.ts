import { createUser } from '../../handlers/createUser';
import { Code } from '../../lib/code';
import { startInProcess, type InProcessService } from '../support/inProcessService';

describe('createUser handler', () => {
  let service: InProcessService;
  afterEach(() => service.close());

  it('answers from the view once the decider and projector have applied the command', async () => {
    service = startInProcess();
    const ctx = service.ctx();
    const user = await createUser({ email: 'a@x.io', name: 'A', plan: 0, request_id: '' }, ctx);
    expect(user).toMatchObject({ id: 'id-1', email: 'a@x.io', plan: 1, version: 1 });
    expect(ctx.trailers.get('users-cursor')).toBe(`0:1@${service.deps.log.identity}`);
    expect(service.deps.view.getUser(user.id)).toEqual(user);
  });

  it('fails with UNAVAILABLE when the log cannot append', async () => {
    service = startInProcess();
    await service.deps.log.close();
    await expect(createUser({ email: 'a@x.io', name: 'A', plan: 0, request_id: '' }, service.ctx())).rejects.toMatchObject({ code: Code.UNAVAILABLE });
  });

  it('fails with DEADLINE_EXCEEDED, saying what it waited for, when no decider answers in time', async () => {
    service = startInProcess({ runFunctions: false });
    await expect(createUser({ email: 'a@x.io', name: 'A', plan: 0, request_id: 'r' }, service.ctx(100))).rejects.toMatchObject({
      code: Code.DEADLINE_EXCEEDED,
      message: expect.stringMatching(/waiting for the write to be applied/),
    });
  });

  it('refuses bad input before anything reaches the log', async () => {
    service = startInProcess({ runFunctions: false });
    await expect(createUser({ email: 'nope', name: 'A', plan: 0, request_id: '' }, service.ctx())).rejects.toMatchObject({
      code: Code.INVALID_ARGUMENT,
      field: 'email',
    });
    expect((await service.deps.log.bounds('users.commands')).end.toString()).toBe('0:0');
  });
});
