import type { HandlerContext } from '../../handlers/handlerContext';
import { toStatus } from '../../lib/errors';
import { drained } from '../flowControl';
import type { OpenCall } from './callContext';
import type { CallStatus, CallTransport } from './callTransport';
import { errorDetailsOf } from './errorDetails';
import { untilAborted } from './untilAborted';

export type MethodKind = 'unary' | 'serverStream' | 'clientStream' | 'bidi';
// Every handler is held to its method's generated types by the table in handlers/userService.ts;
// the runner serves all methods alike, with a request that the method's own decoder made.
export type AnyHandler = (input: any, ctx: HandlerContext) => any; // eslint-disable-line @typescript-eslint/no-explicit-any -- one runner for every method: the handler table, not this type, checks each handler against its method

/** One RPC as the runner serves it, whatever the transport: built once per method, used by every call. */
export interface RunnableMethod {
  kind: MethodKind;
  handler: AnyHandler;
  /** What the access policy must allow the caller (actionsFor). */
  actions: string[];
}

/**
 * The one call path of every transport. Admits the call (a refused request id, the access
 * policy, a stream slot), runs the handler, races a single answer against the call's abort,
 * stops reading requests when the call is aborted, paces stream writes to the reader, and
 * whatever the handler does (return, throw, reject, yield, hang) answers exactly once: the
 * handler's value, or one status from `toStatus` with `errorDetailsOf`'s details. Then it closes
 * the call with that code and message (its log line and metrics). The promise never rejects.
 */
export function runCall(method: RunnableMethod, open: OpenCall, transport: CallTransport): Promise<void> {
  switch (method.kind) {
    case 'unary':
      return answerOnce(method, open, transport, () => withRequest(method, open, transport.request()));
    case 'serverStream':
      return streamOut(method, open, transport, () => withRequest(method, open, transport.request()));
    case 'clientStream':
      return answerOnce(method, open, transport, () => method.handler(untilAborted(transport.requests(), open.ctx.signal), open.ctx));
    case 'bidi':
      return streamOut(method, open, transport, () => method.handler(untilAborted(transport.requests(), open.ctx.signal), open.ctx));
  }
}

/** Who may open the call at all, and (for streams) whether the caller has a stream slot left. */
function admit(method: RunnableMethod, open: OpenCall): void {
  if (open.refused) throw open.refused;
  open.ctx.authorize(...method.actions);
  if (method.kind !== 'unary') open.holdStreamSlot();
}

/**
 * The handler on a request that may still be arriving (an HTTP body); a ready one is not made to
 * wait a tick. A call aborted while its request arrived was answered already: its handler never runs.
 */
function withRequest(method: RunnableMethod, open: OpenCall, request: unknown): unknown {
  if (!(request instanceof Promise)) return method.handler(request, open.ctx);
  return request.then((value) => {
    open.ctx.signal.throwIfAborted();
    return method.handler(value, open.ctx);
  });
}

/** Runs a handler so that a synchronous throw becomes a rejection like any other. */
async function run<T>(start: () => T): Promise<Awaited<T>> {
  return await start();
}

/** Unary and client-stream calls: the handler's value, or the abort reason if that comes first. */
function answerOnce(method: RunnableMethod, open: OpenCall, transport: CallTransport, start: () => unknown): Promise<void> {
  let answered = false;
  const settle = (failed: boolean, outcome: unknown) => {
    if (answered) return;
    answered = true;
    if (!failed) {
      try {
        transport.answer(outcome);
        return open.close(0);
      } catch (error) {
        outcome = error; // an answer the transport could not send (its encoding failed) is the call's error
      }
    }
    fail(open, transport, outcome);
  };
  // The deadline (or shutdown) answers for a handler stuck in something that ignores its signal.
  open.onAbort((reason) => settle(true, reason));
  return run(() => (admit(method, open), start())).then(
    (value) => settle(false, value),
    (error) => settle(true, error),
  );
}

/** Writes what the handler yields, each write waiting for room; ends with the handler's status. */
async function streamOut(method: RunnableMethod, open: OpenCall, transport: CallTransport, start: () => unknown): Promise<void> {
  const { signal } = open.ctx;
  // A flag, not `signal.aborted` per message: that getter validates its receiver on every read,
  // and a feed stream writes 50 messages a second for each of up to 1,000 subscribers.
  let aborted = signal.aborted;
  const onAbort = () => (aborted = true);
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    const messages = (await run(() => (admit(method, open), start()))) as AsyncIterable<unknown>;
    for await (const message of messages) {
      if (aborted) throw signal.reason;
      if (!transport.write(message)) await drained(transport.flow, signal, open.slowReaderMs);
    }
    if (aborted) throw signal.reason;
    transport.end();
    open.close(0);
  } catch (error) {
    fail(open, transport, error);
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}

/** Answers with the one status of `error`, then closes the call with it. */
function fail(open: OpenCall, transport: CallTransport, error: unknown): void {
  const status = statusOf(error, open);
  try {
    transport.fail(status);
  } finally {
    open.close(status.code, status.message);
  }
}

function statusOf(error: unknown, open: OpenCall): CallStatus {
  const requestId = open.stampRequestId();
  // A bug's cause and stack go to the log here, joined to the call's own line by its request id.
  const { code, message } = toStatus(error, (cause) => open.ctx.deps.logger.error('handler failed', { error: cause, request_id: requestId }));
  return { code, message, details: errorDetailsOf(error, code), error };
}
