import type * as grpc from '@grpc/grpc-js';
import type { Readable } from 'node:stream';
import { encodeStatusDetails } from '../../proto/statusDetails';
import type { OpenCall } from '../call/callContext';
import type { CallStatus, CallTransport } from '../call/callTransport';
import { runCall, type RunnableMethod } from '../call/runCall';
import type { AnyCall } from './grpcCallSource';
import { MalformedRequest } from './strictDeserialize';

type Unary = grpc.ServerUnaryCall<unknown, unknown>;
type Streaming = grpc.ServerDuplexStream<unknown, unknown>;

/**
 * grpc-js as a transport of the call runner (runtime/call/runCall.ts), which decides everything:
 * here a call's request, answer, messages and status are only put in grpc-js's terms. A class,
 * not closures, because one is made per call and GetUser is the hot path.
 */
class GrpcTransport implements CallTransport {
  constructor(
    private readonly call: AnyCall,
    private readonly open: OpenCall,
    private readonly callback?: grpc.sendUnaryData<unknown>,
  ) {}

  get flow(): NodeJS.EventEmitter {
    return this.call;
  }

  request(): unknown {
    return checked((this.call as Unary).request);
  }

  requests(): AsyncIterable<unknown> {
    return grpcRequests(this.call as Streaming);
  }

  answer(value: unknown): void {
    this.callback!(null, value, this.open.trailers);
  }

  write(message: unknown): boolean {
    return (this.call as Streaming).write(message);
  }

  end(): void {
    (this.call as Streaming).end(this.open.trailers);
  }

  fail({ code, message, details }: CallStatus): void {
    const { trailers } = this.open;
    trailers.set('grpc-status-details-bin', encodeStatusDetails(code, message, details));
    // Our Code enum holds the same numbers as grpc-js's Status.
    const status: Partial<grpc.StatusObject> = { code: code as number as grpc.status, details: message, metadata: trailers };
    if (this.callback) this.callback(status);
    else this.call.emit('error', status);
  }
}

/**
 * The grpc-js handler of one method: every call opened (deadline, request id, tracking) and run
 * by the call runner, which answers it exactly once whatever the handler does.
 */
export function adaptHandler(method: RunnableMethod, open: (call: AnyCall) => OpenCall): grpc.UntypedHandleCall {
  // grpc-js hands unary and client-stream calls a callback for their one answer.
  if (method.kind === 'unary' || method.kind === 'clientStream') {
    return (call: AnyCall, callback: grpc.sendUnaryData<unknown>) => {
      const opened = open(call);
      void runCall(method, opened, new GrpcTransport(call, opened, callback));
    };
  }
  return (call: AnyCall) => {
    const opened = open(call);
    void runCall(method, opened, new GrpcTransport(call, opened));
  };
}

function checked(request: unknown): unknown {
  if (request instanceof MalformedRequest) throw request.error;
  return request;
}

/** The client's messages, each refused if it did not decode. */
async function* grpcRequests(stream: Readable): AsyncGenerator<unknown> {
  // The default iterator destroys the stream when the client half-closes, and with a duplex
  // that kills our half too: the status could no longer be sent.
  for await (const request of stream.iterator({ destroyOnReturn: false })) yield checked(request);
}
