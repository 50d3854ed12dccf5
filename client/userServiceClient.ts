import * as grpc from '@grpc/grpc-js';
import { SERVICE_NAME, grpcDefinition } from '../proto/schema';
import { decodeStatusDetails, type StatusDetails } from '../proto/statusDetails';

/**
 * A small client of the UserService over grpc-js: every call carries a deadline (10 s unless
 * told otherwise), and unary calls hand back the trailing metadata (`users-cursor`) too.
 */
export type Client = grpc.Client & Record<string, (...args: any[]) => any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- the methods come from the .proto at run time (proto-loader) and are called by name; issue 15 step 1 generates their types

/** Reads are idempotent: grpc-js retries them on UNAVAILABLE by itself, with backoff. */
const SERVICE_CONFIG = {
  loadBalancingConfig: [{ round_robin: {} }],
  methodConfig: [
    {
      name: ['GetUser', 'ListUsers'].map((method) => ({ service: SERVICE_NAME, method })),
      retryPolicy: { maxAttempts: 5, initialBackoff: '0.05s', maxBackoff: '1s', backoffMultiplier: 2, retryableStatusCodes: ['UNAVAILABLE'] },
    },
  ],
};

/**
 * A client of the UserService built from the same proto. `target` is one address or several
 * (`ipv4:127.0.0.1:50051,127.0.0.1:50052`, or `dns:name:port`): calls are balanced over them
 * round robin. Messages hold enums and int64 as numbers; `usersvc call` prints proto3 JSON by the
 * gateway's transcoder.
 */
export function createClient(target: string, credentials = grpc.credentials.createInsecure(), options: grpc.ChannelOptions = {}): Client {
  const loaded = grpc.loadPackageDefinition(grpcDefinition()) as unknown as Record<string, Record<string, grpc.ServiceClientConstructor>>;
  const [pkg, name] = SERVICE_NAME.split('.');
  return new loaded[pkg][name](target, credentials, { 'grpc.service_config': JSON.stringify(SERVICE_CONFIG), ...options }) as unknown as Client;
}

export interface CallOptions {
  metadata?: Record<string, string>;
  /** Time allowed from now (10 s by default)... */
  timeoutMs?: number;
  /** ...or an absolute deadline (ms since the epoch), e.g. the remainder of the caller's own. */
  deadline?: number;
}

/** Writes are retried on UNAVAILABLE only when they carry a request_id: the service then
 * applies them once however often they arrive. */
const WRITES = new Set(['CreateUser', 'UpdateUser', 'DeleteUser']);

/** Reads are sent once more here: grpc-js's retry policy stops once the answer's headers arrived
 * (the call is committed), so a replica killed between its headers and its status leaves a read
 * UNAVAILABLE that another replica would answer. Only once: a server that refuses every attempt
 * (a TLS handshake it rejects) should be reported as UNAVAILABLE, not waited on until the deadline. */
const READS = new Set(['GetUser']);

/** How often a call that met UNAVAILABLE is sent again by `unary` (besides grpc-js's own retries). */
function resendsOf(method: string, request: object): number {
  if (READS.has(method)) return 1;
  return WRITES.has(method) && (request as { request_id?: string }).request_id ? Infinity : 0;
}

export interface UnaryResult<T> {
  response: T;
  trailers: grpc.Metadata;
}

function metadataOf(values: Record<string, string> = {}): grpc.Metadata {
  const md = new grpc.Metadata();
  for (const [k, v] of Object.entries(values)) md.set(k, v);
  return md;
}

const deadlineOf = (options: CallOptions) => new Date(options.deadline ?? Date.now() + (options.timeoutMs ?? 10_000));

/**
 * Calls a unary method; rejects with the grpc error (check `.code`, and `errorDetails()` for the
 * field at fault). Resolves with trailers too. A write with a request_id that meets UNAVAILABLE is
 * sent again, with backoff, until it gets an answer or the deadline passes; a read once more.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- messages are plain objects as proto-loader decodes them, untyped until issue 15 step 1 generates types
export async function unary<T = any>(client: Client, method: string, request: object, options: CallOptions = {}): Promise<UnaryResult<T>> {
  let resends = resendsOf(method, request);
  const deadline = deadlineOf(options).getTime();
  for (let backoff = 50; ; backoff = Math.min(backoff * 2, 1000)) {
    try {
      return await unaryOnce<T>(client, method, request, { ...options, deadline });
    } catch (error) {
      if (resends-- <= 0 || (error as grpc.ServiceError).code !== grpc.status.UNAVAILABLE || Date.now() + backoff >= deadline) throw error;
      await new Promise((r) => setTimeout(r, backoff));
    }
  }
}

function unaryOnce<T>(client: Client, method: string, request: object, options: CallOptions): Promise<UnaryResult<T>> {
  return new Promise((resolve, reject) => {
    let trailers = new grpc.Metadata();
    let response: T | undefined;
    let settled = 0;
    const done = () => {
      if (++settled === 2) resolve({ response: response as T, trailers });
    };
    const call = client[method](request, metadataOf(options.metadata), { deadline: deadlineOf(options) }, (error: grpc.ServiceError | null, value: T) => {
      if (error) return reject(error);
      response = value;
      done();
    });
    call.on('status', (status: grpc.StatusObject) => {
      trailers = status.metadata;
      done();
    });
  });
}

export interface StreamResult<T> {
  messages: T[];
  trailers: grpc.Metadata;
}

/** Calls a server-streaming method and collects everything it sends. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- messages are plain objects as proto-loader decodes them, untyped until issue 15 step 1 generates types
export function serverStream<T = any>(client: Client, method: string, request: object, options: CallOptions = {}): Promise<StreamResult<T>> {
  return new Promise((resolve, reject) => {
    const messages: T[] = [];
    const call = client[method](request, metadataOf(options.metadata), { deadline: deadlineOf(options) });
    call.on('data', (m: T) => messages.push(m));
    call.on('error', reject);
    call.on('status', (status: grpc.StatusObject) => {
      if (status.code === grpc.status.OK) resolve({ messages, trailers: status.metadata });
    });
  });
}

/** Calls a client-streaming method with the given requests. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- messages are plain objects as proto-loader decodes them, untyped until issue 15 step 1 generates types
export function clientStream<T = any>(client: Client, method: string, requests: object[], options: CallOptions = {}): Promise<T> {
  return new Promise((resolve, reject) => {
    const call = client[method](metadataOf(options.metadata), { deadline: deadlineOf(options) }, (error: grpc.ServiceError | null, value: T) =>
      error ? reject(error) : resolve(value),
    );
    for (const request of requests) call.write(request);
    call.end();
  });
}

/** The google.rpc details of a failed call: the field at fault (BadRequest) and a stable reason (ErrorInfo). */
export function errorDetails(error: grpc.ServiceError): StatusDetails {
  const bytes = error.metadata?.get('grpc-status-details-bin')[0];
  return Buffer.isBuffer(bytes) ? decodeStatusDetails(bytes) : {};
}
