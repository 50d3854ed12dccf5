import * as grpc from '@grpc/grpc-js';
import type { ServiceDeps } from '../../events/serviceDeps';
import type { HandlerContext } from '../../handlers/handlerContext';
import { Code } from '../../lib/code';
import { CancelledError, DeadlineExceededError, type ServiceError } from '../../lib/errors';
import { requestIdError } from '../../lib/requestId';
import { nanoid } from 'nanoid';
import type { Metrics } from '../observability/metrics';
import type { AccessPolicy, Credentials } from '../security/accessPolicy';
import type { StreamQuota } from '../security/streamQuota';
import type { CallSource } from './callSource';

export type { CallSource } from './callSource';

export interface CallTracking {
  /** Calls in progress, so shutdown can end the long-lived ones. */
  active: Set<OpenCall>;
}

/** Who may call, and how many streams each may hold open. */
export interface CallSecurity {
  policy?: AccessPolicy;
  streams: StreamQuota;
}

/** Everything a call of one method is opened with. */
export interface CallEnv {
  deps: ServiceDeps;
  method: string;
  /** The server's default deadline for this method; 0 = none (feeds meant to stay open). */
  defaultTimeoutMs: number;
  tracking: CallTracking;
  security: CallSecurity;
  metrics: Metrics;
  /** How long a stream may wait for its client to read before it is cut off. */
  slowReaderMs: number;
}

/** The server-wide part of every CallEnv. */
export type SharedCallEnv = Pick<CallEnv, 'deps' | 'tracking' | 'security' | 'metrics'>;

/** The CallEnv of one RPC, with the server's default deadline for its kind unless serverless.yml sets one. */
export function callEnvFor(
  rpc: { method: string; kind: string; timeoutMs?: number },
  shared: SharedCallEnv,
  options: { unaryTimeoutMs: number; streamTimeoutMs: number; slowReaderMs: number },
): CallEnv {
  const defaultTimeoutMs = rpc.timeoutMs ?? (rpc.kind === 'unary' ? options.unaryTimeoutMs : options.streamTimeoutMs);
  return { ...shared, method: rpc.method, defaultTimeoutMs, slowReaderMs: options.slowReaderMs };
}

export interface OpenCall {
  ctx: HandlerContext;
  trailers: grpc.Metadata;
  /** True for streams that may live indefinitely (ended by shutdown, not waited for). */
  longLived: boolean;
  slowReaderMs: number;
  /** Ends the call early: the handler sees its signal abort with `reason`. */
  abort(reason: Error): void;
  /** Calls `listener` once if the call is aborted (deadline, cancel, shutdown); cheaper than the signal. */
  onAbort(listener: (reason: Error) => void): void;
  /**
   * Sends the call's request id back (`x-request-id`): the client's own is always echoed; one the
   * server makes up is sent only with failures (called before the status goes out), the calls
   * whose log lines someone will look for. Returns the id, for a log line that should carry it.
   */
  stampRequestId(): string;
  /** Why the call is refused before its handler runs: an `x-request-id` that is too long or not
   * printable (it is then not echoed; the server makes up its own). The adapters throw it. */
  refused?: ServiceError;
  /** Counts a stream against its caller's quota (RESOURCE_EXHAUSTED when over); released by close(). */
  holdStreamSlot(): void;
  /** Releases the call's timer, tracking and stream slot, and records it (metrics, one log line
   * with its request id, trace id and, for a failure, the `message` the client got); call exactly
   * once, when the call is answered with `code`. */
  close(code: number, message?: string): void;
}

/**
 * Whether a client that went away did so at its deadline (a client ends a call whose deadline
 * passed just as it cancels one: grpc-js sends the same RST_STREAM). Its clock started when it
 * sent the call, ours when we read it, later by however long the call waited (longest on a busy
 * server, when telling timeouts from cancels matters most): so a cancel within a tenth of the
 * timeout (at least 100 ms) of the deadline counts as the deadline.
 */
function clientDeadlinePassed(deadline: number, opened: number): boolean {
  return Number.isFinite(deadline) && deadline - Date.now() <= Math.max(100, (deadline - opened) / 10);
}

/**
 * Builds the HandlerContext of one call: the deadline is the client's, capped by the server's
 * default so that no call waits forever (0 = no default, for feeds that are meant to stay open).
 */
export function openCall(call: CallSource, env: CallEnv): OpenCall {
  const { deps, defaultTimeoutMs, tracking, security } = env;
  const started = process.hrtime.bigint();
  const opened = Date.now();
  const trailers = new grpc.Metadata();
  const deadline = Math.min(call.deadline, defaultTimeoutMs > 0 ? opened + defaultTimeoutMs : Infinity);
  // The AbortController is made only when a handler asks for the signal: creating one costs
  // about 9 µs, a twentieth of a whole GetUser, and most unary calls never look at it.
  let controller: AbortController | undefined;
  let abortReason: Error | undefined;
  const abortListeners: ((reason: Error) => void)[] = [];
  const abort = (reason: Error) => {
    if (abortReason) return;
    abortReason = reason;
    controller?.abort(reason);
    for (const listener of abortListeners.splice(0)) listener(reason);
  };
  const signal = () => {
    if (!controller) {
      controller = new AbortController();
      if (abortReason) controller.abort(abortReason);
    }
    return controller.signal;
  };
  const timer = Number.isFinite(deadline)
    ? setTimeout(() => abort(new DeadlineExceededError('the call ran past its deadline')), Math.max(0, deadline - Date.now()))
    : undefined;
  const stopListening = call.onCancelled(() =>
    abort(
      clientDeadlinePassed(call.deadline, opened)
        ? new DeadlineExceededError("the client's deadline passed")
        : new CancelledError('the client cancelled the call or went away'),
    ),
  );
  const { metadata } = call;
  let identity: string | undefined;
  // Without a policy callers have no names; the stream quota then counts per client connection,
  // not for everyone together.
  const identify = () => (identity ??= security.policy ? security.policy.identify(credentialsOf(call)) : `peer ${call.peer}`);
  let releaseSlot = () => {};
  // Made up only when needed: a nanoid and one more trailer on every call cost a read ~5% of its throughput.
  const givenId = metadata('x-request-id');
  const refused = givenId === undefined ? undefined : requestIdError(givenId, 'x-request-id');
  let requestId = refused ? undefined : givenId;
  const stampRequestId = () => {
    requestId ??= nanoid();
    trailers.set('x-request-id', requestId);
    return requestId;
  };
  if (requestId !== undefined) stampRequestId();
  const ctx: HandlerContext = {
    deps,
    deadline,
    get signal() {
      return signal();
    },
    metadata,
    setTrailer: (key, value) => trailers.set(key, value),
    authorize: (...actions) => security.policy?.authorize(identify(), ...actions),
  };
  const open: OpenCall = {
    ctx,
    trailers,
    longLived: defaultTimeoutMs === 0,
    slowReaderMs: env.slowReaderMs,
    abort,
    onAbort: (listener) => {
      if (abortReason) listener(abortReason);
      else abortListeners.push(listener);
    },
    stampRequestId,
    refused,
    holdStreamSlot: () => {
      const release = security.streams.acquire(identify());
      env.metrics.streamOpened(env.method, call.transport);
      releaseSlot = () => (release(), env.metrics.streamClosed(env.method, call.transport));
    },
    close: (code, message) => {
      releaseSlot();
      if (timer) clearTimeout(timer);
      stopListening();
      tracking.active.delete(open);
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      env.metrics.callEnded(env.method, call.transport, code, seconds);
      // Every call at debug, failures at info: a line per successful call costs ~15% of GetUser's throughput.
      const line = () => ({
        method: env.method,
        transport: call.transport,
        code: Code[code] ?? code,
        message,
        ms: Math.round(seconds * 1e4) / 10,
        request_id: (requestId ??= nanoid()),
        peer: call.peer,
        identity,
        ...traceOf(metadata),
      });
      if (code !== 0) deps.logger.info('call', line());
      else if (deps.logger.enabled('debug')) deps.logger.debug('call', line());
    },
  };
  tracking.active.add(open);
  return open;
}

/** The bearer token of the `authorization` header and the client certificate's subject CN. */
function credentialsOf(call: CallSource): Credentials {
  const header = call.metadata('authorization');
  const bearer = header === undefined ? undefined : (/^Bearer\s+(.+)$/i.exec(header)?.[1] ?? '');
  return { bearer, certificateSubject: call.certificateSubject };
}

/** W3C trace context from `traceparent`, when the caller sent one, so logs join its trace. */
function traceOf(metadata: (key: string) => string | undefined): { trace_id?: string; parent_span_id?: string } {
  const match = /^[0-9a-f]{2}-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}$/.exec(metadata('traceparent') ?? '');
  return match ? { trace_id: match[1], parent_span_id: match[2] } : {};
}
