import type * as grpc from '@grpc/grpc-js';
import type { Readable } from 'node:stream';
import type { HandlerContext } from '../../handlers/handlerContext';
import { toStatus } from '../../lib/errors';
import type { Logger } from '../../lib/logger';
import { encodeStatusDetails } from '../../proto/statusDetails';
import type { OpenCall } from './callContext';
import type { AnyCall } from './callSource';
import { drained } from '../flowControl';
import { errorDetailsOf } from './errorDetails';
import { MalformedRequest } from './strictDeserialize';

export type MethodKind = 'unary' | 'serverStream' | 'clientStream' | 'bidi';
// Handlers are typed per method in handlers/; here only their shape matters.
export type AnyHandler = (input: any, ctx: HandlerContext) => any; // eslint-disable-line @typescript-eslint/no-explicit-any -- handlers are loaded by name from serverless.yml, so nothing here knows their types (issue 15 step 1 declares them against the generated service)

/**
 * The one place where handlers meet grpc-js. Whatever a handler does (return, throw, reject,
 * yield), the call is answered exactly once with a status from `toStatus`, and stream writes
 * wait for the client's flow control, so a slow reader never makes the server buffer.
 */
export function adaptHandler(
  kind: MethodKind,
  handler: AnyHandler,
  open: (call: AnyCall) => OpenCall,
  logger: Logger,
  actions: string[],
): grpc.UntypedHandleCall {
  /** Who may open the call at all, and (for streams) whether the caller has a stream slot left. */
  const admit = (call: OpenCall) => {
    if (call.refused) throw call.refused;
    call.ctx.authorize(...actions);
    if (kind !== 'unary') call.holdStreamSlot();
  };
  const statusOf = (error: unknown, call: OpenCall): grpc.StatusObject => {
    const requestId = call.stampRequestId();
    // A bug's cause and stack go to the log here, joined to the call's own line by its request id.
    const { code, message } = toStatus(error, (cause) => logger.error('handler failed', { error: cause, request_id: requestId }));
    call.trailers.set('grpc-status-details-bin', encodeStatusDetails(code, message, errorDetailsOf(error, code)));
    // Our Code enum holds the same numbers as grpc-js's Status.
    return { code: code as number as grpc.status, details: message, metadata: call.trailers };
  };
  switch (kind) {
    case 'unary':
      return (call: grpc.ServerUnaryCall<unknown, unknown>, callback: grpc.sendUnaryData<unknown>) => {
        const open_ = open(call);
        let answered = false;
        const answer = (error: unknown, value?: unknown) => {
          if (answered) return;
          answered = true;
          const status = error ? statusOf(error, open_) : undefined;
          open_.close(status?.code ?? 0, status?.details);
          if (status) callback(status);
          else callback(null, value, open_.trailers);
        };
        // The deadline (or shutdown) answers for a handler stuck in something that ignores its signal.
        open_.onAbort((reason) => answer(reason));
        run(() => (admit(open_), handler(checked(call.request), open_.ctx))).then(
          (value) => answer(null, value),
          (error) => answer(error),
        );
      };
    case 'serverStream':
      return (call: grpc.ServerWritableStream<unknown, unknown>) => {
        const open_ = open(call);
        streamOut(call, open_, () => (admit(open_), handler(checked(call.request), open_.ctx)), statusOf);
      };
    case 'clientStream':
      return (call: grpc.ServerReadableStream<unknown, unknown>, callback: grpc.sendUnaryData<unknown>) => {
        const open_ = open(call);
        run(() => (admit(open_), handler(readRequests(call, open_.ctx.signal), open_.ctx))).then(
          (value) => (open_.close(0), callback(null, value, open_.trailers)),
          (error) => {
            const status = statusOf(error, open_);
            open_.close(status.code, status.details);
            callback(status);
          },
        );
      };
    case 'bidi':
      return (call: grpc.ServerDuplexStream<unknown, unknown>) => {
        const open_ = open(call);
        streamOut(call, open_, () => (admit(open_), handler(readRequests(call, open_.ctx.signal), open_.ctx)), statusOf);
      };
  }
}

/** Runs a handler so that a synchronous throw becomes a rejection like any other. */
async function run<T>(start: () => T): Promise<Awaited<T>> {
  return await start();
}

function checked(request: unknown): unknown {
  if (request instanceof MalformedRequest) throw request.error;
  return request;
}

/** Writes what the handler yields, each write waiting for room; ends with the handler's status. */
async function streamOut(
  call: grpc.ServerWritableStream<unknown, unknown> | grpc.ServerDuplexStream<unknown, unknown>,
  open: OpenCall,
  start: () => AsyncIterable<unknown>,
  statusOf: (error: unknown, call: OpenCall) => grpc.StatusObject,
): Promise<void> {
  const { signal } = open.ctx;
  // A flag, not `signal.aborted` per message: that getter validates its receiver on every read,
  // and a feed stream writes 50 messages a second for each of up to 1,000 subscribers.
  let aborted = signal.aborted;
  const onAbort = () => (aborted = true);
  signal.addEventListener('abort', onAbort, { once: true });
  let code = 0;
  let message: string | undefined;
  try {
    for await (const message of await run(start)) {
      if (aborted) throw signal.reason;
      if (!call.write(message)) await drained(call, signal, open.slowReaderMs);
    }
    if (aborted) throw signal.reason;
    call.end(open.trailers);
  } catch (error) {
    const status = statusOf(error, open);
    code = status.code;
    message = status.details;
    call.emit('error', status);
  } finally {
    signal.removeEventListener('abort', onAbort);
    open.close(code, message);
  }
}

/** The client's messages as an async iterable that ends when the call is aborted. */
async function* readRequests(stream: Readable, signal: AbortSignal): AsyncGenerator<unknown> {
  // The default iterator destroys the stream when the client half-closes, and with a duplex
  // that kills our half too: the status could no longer be sent.
  const iterator = stream.iterator({ destroyOnReturn: false });
  let onAbort = () => {};
  const aborted = new Promise<IteratorResult<unknown>>((resolve) => {
    onAbort = () => resolve({ done: true, value: undefined });
    signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    for (;;) {
      const next = await Promise.race([iterator.next(), aborted]);
      if (next.done) return;
      if (next.value instanceof MalformedRequest) throw next.value.error;
      yield next.value;
    }
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}
