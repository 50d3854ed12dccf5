import { EventEmitter } from 'node:events';
import * as grpc from '@grpc/grpc-js';
import type { ServiceDeps } from '../../../events/serviceDeps';
import { Channel } from '../../../lib/channel';
import { Code } from '../../../lib/code';
import { DeadlineExceededError, InvalidArgumentError, NotFoundError, PermissionDeniedError } from '../../../lib/errors';
import type { Logger } from '../../../lib/logger';
import type { OpenCall } from '../../../runtime/call/callContext';
import type { CallStatus, CallTransport } from '../../../runtime/call/callTransport';
import { runCall, type AnyHandler, type MethodKind } from '../../../runtime/call/runCall';

/**
 * The call runner against a fake transport and a fake OpenCall (no sockets: the e2e suites run
 * it under grpc-js and the gateway). Whatever the handler does, the call gets exactly one
 * answer or status, and is closed exactly once with that code.
 */

/** What the runner told the transport and the call, in order. */
type Event = ['answer', unknown] | ['write', unknown] | ['end'] | ['fail', Code, string] | ['close', number, string | undefined];

class FakeTransport implements CallTransport {
  readonly flow = new EventEmitter();
  /** Messages the reader takes before write() says to wait (its buffer). */
  room = Infinity;
  readonly requestChannel = new Channel<unknown>(16);
  readerStopped = false;
  statuses: CallStatus[] = [];

  constructor(
    private readonly events: Event[],
    private readonly single?: unknown,
  ) {}

  request(): unknown {
    return this.single;
  }
  requests(): AsyncIterable<unknown> {
    const iterator = this.requestChannel[Symbol.asyncIterator]();
    return {
      [Symbol.asyncIterator]: () => ({
        next: () => iterator.next(),
        return: () => {
          this.readerStopped = true;
          return Promise.resolve({ done: true, value: undefined });
        },
      }),
    };
  }
  answer(value: unknown): void {
    this.events.push(['answer', value]);
  }
  write(message: unknown): boolean {
    this.events.push(['write', message]);
    return --this.room > 0;
  }
  end(): void {
    this.events.push(['end']);
  }
  fail(status: CallStatus): void {
    this.statuses.push(status);
    this.events.push(['fail', status.code, status.message]);
  }
}

function fakeCall(events: Event[], refused?: PermissionDeniedError) {
  const controller = new AbortController();
  const abortListeners: ((reason: Error) => void)[] = [];
  const bugs: unknown[] = [];
  const logger = { error: (_msg: string, fields?: Record<string, unknown>) => bugs.push(fields?.error) } as unknown as Logger;
  let slots = 0;
  const open: OpenCall = {
    ctx: {
      deps: { logger } as unknown as ServiceDeps,
      deadline: Infinity,
      signal: controller.signal,
      metadata: () => undefined,
      setTrailer: () => {},
      authorize: () => {},
    },
    trailers: new grpc.Metadata(),
    longLived: false,
    slowReaderMs: 200,
    abort: (reason) => {
      controller.abort(reason);
      for (const listener of abortListeners.splice(0)) listener(reason);
    },
    onAbort: (listener) => (controller.signal.aborted ? listener(controller.signal.reason as Error) : abortListeners.push(listener)),
    stampRequestId: () => 'test-request',
    refused,
    holdStreamSlot: () => void slots++,
    close: (code, message) => void events.push(['close', code, message]),
  };
  return { open, bugs, slots: () => slots };
}

function setup(kind: MethodKind, handler: AnyHandler, request?: unknown) {
  const events: Event[] = [];
  const call = fakeCall(events);
  const transport = new FakeTransport(events, request);
  const done = runCall({ kind, handler, actions: ['Test'] }, call.open, transport);
  return { events, transport, done, ...call };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));
const deadline = () => new DeadlineExceededError('the call ran past its deadline');

describe('runCall: one answer or one status, whatever the handler does', () => {
  it('a unary return is answered and closed OK, once', async () => {
    const { events, done } = setup('unary', async (request: { id: string }) => ({ id: request.id, name: 'Ada' }), { id: 'u1' });
    await done;
    expect(events).toEqual([
      ['answer', { id: 'u1', name: 'Ada' }],
      ['close', 0, undefined],
    ]);
  });

  it('a synchronous throw is one status with its details; the handler bug is logged, the client told little', async () => {
    const thrown = setup('unary', () => {
      throw new NotFoundError('user u9 not found');
    });
    await thrown.done;
    expect(thrown.events).toEqual([
      ['fail', Code.NOT_FOUND, 'user u9 not found'],
      ['close', Code.NOT_FOUND, 'user u9 not found'],
    ]);
    expect(thrown.transport.statuses[0].details.errorInfo).toMatchObject({ reason: 'NOT_FOUND', domain: 'userservice' });

    const bug = setup('unary', () => {
      throw new TypeError('x is undefined');
    });
    await bug.done;
    expect(bug.events).toEqual([
      ['fail', Code.INTERNAL, 'internal error (the server log has the details)'],
      ['close', Code.INTERNAL, 'internal error (the server log has the details)'],
    ]);
    expect(bug.bugs).toEqual([expect.any(TypeError)]);
  });

  it('a rejection is one status', async () => {
    const { events, done, transport } = setup('unary', async () => {
      throw new InvalidArgumentError('email', 'must contain @');
    });
    await done;
    expect(events).toEqual([
      ['fail', Code.INVALID_ARGUMENT, 'email: must contain @'],
      ['close', Code.INVALID_ARGUMENT, 'email: must contain @'],
    ]);
    expect(transport.statuses[0].details.badRequest?.field_violations).toEqual([{ field: 'email', description: 'must contain @' }]);
  });

  it('a handler stuck past the abort: the abort reason answers, the late value is dropped', async () => {
    let finish: (value: unknown) => void = () => {};
    const { events, done, open } = setup('unary', () => new Promise((resolve) => (finish = resolve)));
    await tick();
    open.abort(deadline());
    expect(events).toEqual([
      ['fail', Code.DEADLINE_EXCEEDED, 'the call ran past its deadline'],
      ['close', Code.DEADLINE_EXCEEDED, 'the call ran past its deadline'],
    ]);
    finish({ id: 'late' });
    await done;
    expect(events).toHaveLength(2);
  });

  it('a refused call never runs its handler; a stream is counted against its quota only once admitted', async () => {
    const events: Event[] = [];
    const call = fakeCall(events, new PermissionDeniedError('x-request-id: too long'));
    const handler = jest.fn();
    await runCall({ kind: 'serverStream', handler, actions: [] }, call.open, new FakeTransport(events));
    expect(handler).not.toHaveBeenCalled();
    expect(call.slots()).toBe(0);
    expect(events).toEqual([
      ['fail', Code.PERMISSION_DENIED, 'x-request-id: too long'],
      ['close', Code.PERMISSION_DENIED, 'x-request-id: too long'],
    ]);
  });

  it('a stream that yields then throws: its messages, then one status', async () => {
    const { events, done, slots } = setup('serverStream', async function* () {
      yield 1;
      yield 2;
      throw new NotFoundError('gone');
    });
    await done;
    expect(slots()).toBe(1);
    expect(events).toEqual([
      ['write', 1],
      ['write', 2],
      ['fail', Code.NOT_FOUND, 'gone'],
      ['close', Code.NOT_FOUND, 'gone'],
    ]);
  });

  it('a stream that ends is ended with its trailers and closed OK', async () => {
    const { events, done } = setup('serverStream', async function* () {
      yield 'only';
    });
    await done;
    expect(events).toEqual([['write', 'only'], ['end'], ['close', 0, undefined]]);
  });

  it('a stream aborted while its handler waits: nothing more is written, one status', async () => {
    const { events, done, open } = setup('serverStream', async function* (_request: unknown, ctx: { signal: AbortSignal }) {
      yield 1;
      // A handler that notices the abort late and yields once more: that message must not go out.
      await new Promise((resolve) => ctx.signal.addEventListener('abort', resolve));
      yield 2;
    });
    await tick();
    open.abort(deadline());
    await done;
    expect(events).toEqual([
      ['write', 1],
      ['fail', Code.DEADLINE_EXCEEDED, 'the call ran past its deadline'],
      ['close', Code.DEADLINE_EXCEEDED, 'the call ran past its deadline'],
    ]);
  });
});

describe('runCall: pacing and reading', () => {
  it('a write waits for room: nothing more is written until the reader drains', async () => {
    const events: Event[] = [];
    const call = fakeCall(events);
    const transport = new FakeTransport(events);
    transport.room = 1;
    const done = runCall(
      {
        kind: 'serverStream',
        actions: [],
        handler: async function* () {
          yield* [1, 2, 3];
        },
      },
      call.open,
      transport,
    );
    await tick();
    expect(events).toEqual([['write', 1]]);
    transport.room = Infinity;
    transport.flow.emit('drain');
    await done;
    expect(events).toEqual([['write', 1], ['write', 2], ['write', 3], ['end'], ['close', 0, undefined]]);
  });

  it('a reader that never drains is cut off with RESOURCE_EXHAUSTED', async () => {
    const events: Event[] = [];
    const call = fakeCall(events);
    const transport = new FakeTransport(events);
    transport.room = 1;
    const handler = async function* () {
      yield* [1, 2];
    };
    await runCall({ kind: 'bidi', actions: [], handler }, call.open, transport);
    expect(events[0]).toEqual(['write', 1]);
    expect(events.slice(1).map((event) => event.slice(0, 2))).toEqual([
      ['fail', Code.RESOURCE_EXHAUSTED],
      ['close', Code.RESOURCE_EXHAUSTED],
    ]);
  });

  it('requests stop being read when the call is aborted: the handler sees their end, the reader is stopped', async () => {
    const seen: unknown[] = [];
    const { events, done, open, transport } = setup('clientStream', async (requests: AsyncIterable<unknown>) => {
      for await (const request of requests) seen.push(request);
      return { created: seen.length };
    });
    await transport.requestChannel.push('r1');
    await tick();
    expect(seen).toEqual(['r1']);
    open.abort(deadline());
    await transport.requestChannel.push('r2'); // sent after the call was answered
    transport.requestChannel.close();
    await done;
    await tick();
    expect(seen).toEqual(['r1']);
    expect(transport.readerStopped).toBe(true);
    expect(events).toEqual([
      ['fail', Code.DEADLINE_EXCEEDED, 'the call ran past its deadline'],
      ['close', Code.DEADLINE_EXCEEDED, 'the call ran past its deadline'],
    ]);
  });

  it('a request that cannot be read fails the call once, with its own status', async () => {
    const { events, done, transport } = setup('bidi', async function* (requests: AsyncIterable<unknown>) {
      for await (const request of requests) yield request;
    });
    await transport.requestChannel.push('r1');
    transport.requestChannel.close(new InvalidArgumentError('line 2 of the body', 'is not JSON'));
    await done;
    expect(events).toEqual([
      ['write', 'r1'],
      ['fail', Code.INVALID_ARGUMENT, 'line 2 of the body: is not JSON'],
      ['close', Code.INVALID_ARGUMENT, 'line 2 of the body: is not JSON'],
    ]);
    expect(transport.readerStopped).toBe(false); // a reader that failed is finished: nothing to stop
  });

  it('a handler that stops reading early stops the reader too', async () => {
    const { done, transport, events } = setup('clientStream', async (requests: AsyncIterable<unknown>) => {
      for await (const request of requests) return { first: request };
      return {};
    });
    await transport.requestChannel.push('r1');
    await done;
    expect(events).toEqual([
      ['answer', { first: 'r1' }],
      ['close', 0, undefined],
    ]);
    expect(transport.readerStopped).toBe(true);
  });
});
