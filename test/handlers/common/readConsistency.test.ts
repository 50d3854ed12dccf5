import { eventRecord, positionedEvents } from '../../../events/codec';
import { EVENTS } from '../../../events/eventLog';
import { readToEnd } from '../../../events/readToEnd';
import { getUser } from '../../../handlers/getUser';
import { Code } from '../../../lib/code';
import type { User } from '../../../proto/messages';
import { decodeMessage, messageType } from '../../../proto/schema';
import { startInProcess, type InProcessService } from '../../support/inProcessService';

/**
 * `users-consistency: strong` while the view is behind its log, which a running server holds only
 * for the moment between an event's append and its projection: here the functions do not run,
 * so the test appends an event itself and decides when the view applies it (real log, real view).
 */
describe('strong reads while the view is behind the log', () => {
  let service: InProcessService;
  afterEach(() => service.close());
  const STRONG = { 'users-consistency': 'strong' };

  const user: User = {
    id: 'u-1',
    email: 'behind@example.com',
    name: 'Behind',
    plan: 1,
    created_at: { seconds: 1, nanos: 0 },
    updated_at: { seconds: 1, nanos: 0 },
    version: 1,
  };
  const appendCreated = async () => {
    await service.deps.keys.create([user.id]);
    return service.deps.log.append(EVENTS, [
      eventRecord(
        { command_id: 'c-1', request_id: '', occurred_at: { seconds: 1, nanos: 0 }, kind: 'user_created', user_created: { user } },
        service.deps.keys,
      ),
    ]);
  };
  const project = () =>
    readToEnd(service.deps.log, EVENTS, service.deps.view.cursor(), (batch) =>
      service.deps.view.apply(
        positionedEvents(batch.records, service.deps.keys, (e) => {
          throw e;
        }),
        batch.next,
      ),
    );

  it('ends a tiny deadline with DEADLINE_EXCEEDED, naming the end it waited for and where the view is', async () => {
    service = startInProcess({ runFunctions: false });
    await appendCreated();
    const identity = service.deps.log.identity;
    await expect(getUser({ id: 'u-1' }, service.ctx(50, STRONG))).rejects.toMatchObject({
      code: Code.DEADLINE_EXCEEDED,
      message: `deadline exceeded while waiting for this instance's view to apply the end the log had when the call arrived (0:1@${identity}, users-consistency: strong); it has applied nothing yet`,
    });
    // Without strong the same read answers from the view as it stands.
    await expect(getUser({ id: 'u-1' }, service.ctx(50))).rejects.toMatchObject({ code: Code.NOT_FOUND });
  });

  it('answers as soon as the view has applied the log up to its end at arrival', async () => {
    service = startInProcess({ runFunctions: false });
    await appendCreated();
    const ctx = service.ctx(5000, STRONG);
    const read = getUser({ id: 'u-1' }, ctx);
    await new Promise((resolve) => setTimeout(resolve, 50));
    await project();
    // GetUser answers with the bytes its row keeps (proto/encoded.ts).
    expect(decodeMessage(messageType('userservice.User'), await read)).toEqual(user);
    expect(ctx.trailers.get('users-cursor')).toBe(`0:1@${service.deps.log.identity}`);
  });

  it('answers UNAVAILABLE at once, not DEADLINE_EXCEEDED later, when the log reports a failure while the read waits', async () => {
    service = startInProcess({ runFunctions: false });
    await appendCreated();
    // The failure a Kafka log reports when its broker goes (the embedded log has no such failure to provoke).
    const listeners: Array<(error: Error) => void> = [];
    const { log } = service.deps;
    const register = log.onFailure.bind(log);
    log.onFailure = (listener) => (listeners.push(listener), register(listener));
    const read = getUser({ id: 'u-1' }, service.ctx(5000, STRONG));
    await new Promise((resolve) => setTimeout(resolve, 20));
    const started = Date.now();
    listeners.forEach((listener) => listener(new Error('the broker is gone')));
    await expect(read).rejects.toMatchObject({
      code: Code.UNAVAILABLE,
      message: expect.stringMatching(/^the log is failing, so this instance's view may not catch up: the broker is gone; retry the read/),
    });
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('answers DEADLINE_EXCEEDED when the view does not catch up in time and the log reported nothing', async () => {
    service = startInProcess({ runFunctions: false });
    await appendCreated();
    await expect(getUser({ id: 'u-1' }, service.ctx(300, STRONG))).rejects.toMatchObject({ code: Code.DEADLINE_EXCEEDED });
  });

  it('refuses an unknown users-consistency before it waits for anything', async () => {
    service = startInProcess({ runFunctions: false });
    await expect(getUser({ id: 'u-1' }, service.ctx(5000, { 'users-consistency': 'linearizable' }))).rejects.toMatchObject({
      code: Code.INVALID_ARGUMENT,
      field: 'users-consistency',
      message: expect.stringMatching(/^users-consistency: must be "strong" .* or "local" .*; got "linearizable"$/),
    });
  });
});
