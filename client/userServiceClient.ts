import * as grpc from '@grpc/grpc-js';
import { SERVICE_NAME, grpcDefinition, type Shape } from '../proto/schema';

/**
 * A small client of the UserService over grpc-js: every call carries a deadline (10 s unless
 * told otherwise), and unary calls hand back the trailing metadata (`users-cursor`) too.
 */
export type Client = grpc.Client & Record<string, (...args: any[]) => any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** A client of the UserService built from the same proto. `shape: 'json'` gives enum names and
 * int64 as strings (as the proto3 JSON mapping prints them) instead of numbers. */
export function createClient(addr: string, shape: Shape = 'numbers', credentials = grpc.credentials.createInsecure()): Client {
  const loaded = grpc.loadPackageDefinition(grpcDefinition(shape)) as unknown as Record<string, Record<string, grpc.ServiceClientConstructor>>;
  const [pkg, name] = SERVICE_NAME.split('.');
  return new loaded[pkg][name](addr, credentials) as unknown as Client;
}

export interface CallOptions {
  metadata?: Record<string, string>;
  timeoutMs?: number;
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

const deadline = (timeoutMs = 10_000) => new Date(Date.now() + timeoutMs);

/** Calls a unary method; rejects with the grpc error (check `.code`). Resolves with trailers too. */
export function unary<T = any>(client: Client, method: string, request: object, options: CallOptions = {}): Promise<UnaryResult<T>> { // eslint-disable-line @typescript-eslint/no-explicit-any
  return new Promise((resolve, reject) => {
    let trailers = new grpc.Metadata();
    let response: T | undefined;
    let settled = 0;
    const done = () => {
      if (++settled === 2) resolve({ response: response as T, trailers });
    };
    const call = client[method](request, metadataOf(options.metadata), { deadline: deadline(options.timeoutMs) }, (error: grpc.ServiceError | null, value: T) => {
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
export function serverStream<T = any>(client: Client, method: string, request: object, options: CallOptions = {}): Promise<StreamResult<T>> { // eslint-disable-line @typescript-eslint/no-explicit-any
  return new Promise((resolve, reject) => {
    const messages: T[] = [];
    const call = client[method](request, metadataOf(options.metadata), { deadline: deadline(options.timeoutMs) });
    call.on('data', (m: T) => messages.push(m));
    call.on('error', reject);
    call.on('status', (status: grpc.StatusObject) => {
      if (status.code === grpc.status.OK) resolve({ messages, trailers: status.metadata });
    });
  });
}

/** Calls a client-streaming method with the given requests. */
export function clientStream<T = any>(client: Client, method: string, requests: object[], options: CallOptions = {}): Promise<T> { // eslint-disable-line @typescript-eslint/no-explicit-any
  return new Promise((resolve, reject) => {
    const call = client[method](metadataOf(options.metadata), { deadline: deadline(options.timeoutMs) }, (error: grpc.ServiceError | null, value: T) =>
      error ? reject(error) : resolve(value),
    );
    for (const request of requests) call.write(request);
    call.end();
  });
}
