import type * as grpc from '@grpc/grpc-js';
import type { Encoded } from '../proto/encoded';
import type { MaybeOneOf } from '../proto/messages';
import type { HandlerContext } from './handlerContext';

/** A request whose oneof (named `kind` throughout proto/) TypeScript can narrow. */
type Narrowed<T> = 'kind' extends keyof T ? MaybeOneOf<T, 'kind'> : T;

/**
 * Our handler for one method of a generated service: the same request and response types as the
 * generated grpc-js handler, without the transport (a request or an async iterable of them in,
 * a promise or an async iterable out). A response may be the message already encoded
 * (proto/encoded.ts). The streaming kinds are tested first: a bidi call type
 * is not assignable to a server-streaming one, nor a client-streaming one to a unary one.
 */
export type HandlerOf<H> =
  H extends grpc.handleBidiStreamingCall<infer Req, infer Res>
    ? (requests: AsyncIterable<Narrowed<Req>>, ctx: HandlerContext) => AsyncIterable<Res>
    : H extends grpc.handleServerStreamingCall<infer Req, infer Res>
      ? (request: Narrowed<Req>, ctx: HandlerContext) => AsyncIterable<Res | Encoded<Res>>
      : H extends grpc.handleClientStreamingCall<infer Req, infer Res>
        ? (requests: AsyncIterable<Narrowed<Req>>, ctx: HandlerContext) => Promise<Res>
        : H extends grpc.handleUnaryCall<infer Req, infer Res>
          ? (request: Narrowed<Req>, ctx: HandlerContext) => Promise<Res | Encoded<Res>>
          : never;

/**
 * Every method of a generated `...Handlers` interface, each as our handler. A method left out,
 * or a handler whose request, response or streaming kind differs from the .proto, does not compile.
 */
export type ServiceHandlers<S> = { [M in keyof S as string extends M ? never : M]: HandlerOf<S[M]> };
