import * as grpc from '@grpc/grpc-js';
import type { MethodDefinition } from '@grpc/proto-loader';
import type { UserServiceClient, UserServiceDefinition } from '../proto/generated/userservice/UserService';
import { SERVICE_NAME, grpcDefinition } from '../proto/schema';
import { decodeStatusDetails, type StatusDetails } from '../proto/statusDetails';
import { WRITE_RETRY_WINDOW_MS } from './retryWindow';

/**
 * A small client of the UserService over grpc-js: every call carries a deadline (10 s unless
 * told otherwise), and unary calls hand back the trailing metadata (`users-cursor`) too.
 */
export type Client = UserServiceClient;

/** The service's RPCs by name (the generated interfaces also carry grpc-js's index signature). */
type Rpc = keyof { [M in keyof UserServiceDefinition as string extends M ? never : M]: true };
/** What the generated client's method returns tells the kind: a stream that reads, writes, both or neither. */
type CallOf<M extends Rpc> = ReturnType<UserServiceClient[M]>;
type Reads<M extends Rpc> = CallOf<M> extends grpc.ClientReadableStream<unknown> ? true : false;
type Writes<M extends Rpc> = CallOf<M> extends grpc.ClientWritableStream<never> ? true : false;
type RpcWhere<R, W> = { [M in Rpc]: [Reads<M>, Writes<M>] extends [R, W] ? M : never }[Rpc];
export type UnaryRpc = RpcWhere<false, false>;
export type ServerStreamRpc = RpcWhere<true, false>;
export type ClientStreamRpc = RpcWhere<false, true>;
/** What a call of `M` sends (the permissive shape: fields may be left out) and gets back (every field present). */
export type RequestOf<M extends Rpc> = UserServiceDefinition[M] extends MethodDefinition<infer Req, object, object, object> ? Req : never;
export type ResponseOf<M extends Rpc> = UserServiceDefinition[M] extends MethodDefinition<object, object, object, infer Res> ? Res : never;

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
  // The constructor proto-loader made from the same .proto files the types were generated from.
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
const WRITES = new Set<Rpc>(['CreateUser', 'UpdateUser', 'DeleteUser']);

/** Reads are sent once more here: grpc-js's retry policy stops once the answer's headers arrived
 * (the call is committed), so a replica killed between its headers and its status leaves a read
 * UNAVAILABLE that another replica would answer. Only once: a server that refuses every attempt
 * (a TLS handshake it rejects) should be reported as UNAVAILABLE, not waited on until the deadline. */
const READS = new Set<Rpc>(['GetUser']);

/** How often a call that met UNAVAILABLE is sent again by `unary` (besides grpc-js's own retries). */
function resendsOf(method: Rpc, request: unknown): number {
  if (READS.has(method)) return 1;
  return WRITES.has(method) && (request as { request_id?: string }).request_id ? Infinity : 0;
}

export interface UnaryResult<T> {
  response: T;
  trailers: grpc.Metadata;
}

/** Call metadata from plain pairs. */
export function metadataOf(values: Record<string, string> = {}): grpc.Metadata {
  const md = new grpc.Metadata();
  for (const [k, v] of Object.entries(values)) md.set(k, v);
  return md;
}

const deadlineOf = (options: CallOptions) => new Date(options.deadline ?? Date.now() + (options.timeoutMs ?? 10_000));

/**
 * Calls a unary method; rejects with the grpc error (check `.code`, and `errorDetails()` for the
 * field at fault). Resolves with trailers too. A write with a request_id that meets UNAVAILABLE is
 * sent again, with backoff, until it gets an answer or the deadline passes (at most
 * WRITE_RETRY_WINDOW_MS, which the service's request-id retention covers); a read once more.
 */
export async function unary<M extends UnaryRpc>(
  client: Client,
  method: M,
  request: RequestOf<M>,
  options: CallOptions = {},
): Promise<UnaryResult<ResponseOf<M>>> {
  let resends = resendsOf(method, request);
  const deadline = deadlineOf(options).getTime();
  const lastResend = Math.min(deadline, Date.now() + WRITE_RETRY_WINDOW_MS);
  for (let backoff = 50; ; backoff = Math.min(backoff * 2, 1000)) {
    try {
      return await unaryOnce(client, method, request, { ...options, deadline });
    } catch (error) {
      if (resends-- <= 0 || (error as grpc.ServiceError).code !== grpc.status.UNAVAILABLE || Date.now() + backoff >= lastResend) throw error;
      await new Promise((r) => setTimeout(r, backoff));
    }
  }
}

/** grpc-js's generic call of a unary method: the generated overloads cannot be called through a union of names. */
type UnaryCallOf<Req, Res> = (
  request: Req,
  metadata: grpc.Metadata,
  options: grpc.CallOptions,
  callback: (error: grpc.ServiceError | null, value?: Res) => void,
) => grpc.ClientUnaryCall;

function unaryOnce<M extends UnaryRpc>(client: Client, method: M, request: RequestOf<M>, options: CallOptions): Promise<UnaryResult<ResponseOf<M>>> {
  type T = ResponseOf<M>;
  return new Promise((resolve, reject) => {
    let trailers = new grpc.Metadata();
    let response: T | undefined;
    let settled = 0;
    const done = () => {
      if (++settled === 2) resolve({ response: response as T, trailers });
    };
    const start = (client[method] as unknown as UnaryCallOf<RequestOf<M>, T>).bind(client);
    const call = start(request, metadataOf(options.metadata), { deadline: deadlineOf(options) }, (error, value) => {
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
export function serverStream<M extends ServerStreamRpc>(
  client: Client,
  method: M,
  request: RequestOf<M>,
  options: CallOptions = {},
): Promise<StreamResult<ResponseOf<M>>> {
  type T = ResponseOf<M>;
  type Start = (request: RequestOf<M>, metadata: grpc.Metadata, options: grpc.CallOptions) => grpc.ClientReadableStream<T>;
  return new Promise((resolve, reject) => {
    const messages: T[] = [];
    const call = (client[method] as unknown as Start).call(client, request, metadataOf(options.metadata), { deadline: deadlineOf(options) });
    call.on('data', (m: T) => messages.push(m));
    call.on('error', reject);
    call.on('status', (status: grpc.StatusObject) => {
      if (status.code === grpc.status.OK) resolve({ messages, trailers: status.metadata });
    });
  });
}

/** Calls a client-streaming method with the given requests. */
export function clientStream<M extends ClientStreamRpc>(
  client: Client,
  method: M,
  requests: RequestOf<M>[],
  options: CallOptions = {},
): Promise<ResponseOf<M>> {
  type T = ResponseOf<M>;
  type Start = (
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: (error: grpc.ServiceError | null, value?: T) => void,
  ) => grpc.ClientWritableStream<RequestOf<M>>;
  return new Promise((resolve, reject) => {
    const call = (client[method] as unknown as Start).call(client, metadataOf(options.metadata), { deadline: deadlineOf(options) }, (error, value) =>
      error ? reject(error) : resolve(value as T),
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
