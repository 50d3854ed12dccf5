import type * as grpc from '@grpc/grpc-js';
import { userServiceHandlers } from '../handlers/userService';
import { SERVICE_NAME, grpcDefinition } from '../proto/schema';
import type { AnyHandler, MethodKind } from './call/runCall';

/** One RPC of the service: its streaming kind, read from the proto, and the handler that serves it. */
export interface ServiceMethod {
  kind: MethodKind;
  handler: AnyHandler;
  /** The handler's name, for messages about serverless.yml. */
  handlerName: string;
}

/** Where the handlers are declared, for messages that send a person there. */
export const HANDLERS_FILE = 'handlers/userService.ts';

/**
 * The RPCs of userservice.UserService by name. The compiler already holds the handler table to the
 * generated types; this also refuses a build whose types were generated from another proto.
 */
export function serviceMethods(): Map<string, ServiceMethod> {
  const service = grpcDefinition()[SERVICE_NAME] as grpc.ServiceDefinition;
  const handlers = userServiceHandlers as Record<string, AnyHandler>;
  const methods = new Map<string, ServiceMethod>();
  for (const [name, definition] of Object.entries(service)) {
    const handler = handlers[name];
    if (!handler) throw new Error(`${SERVICE_NAME}.${name} has no handler in ${HANDLERS_FILE} (run npm run build: the types may be stale)`);
    methods.set(name, { kind: kindOf(definition), handler, handlerName: handler.name });
  }
  return methods;
}

function kindOf(method: grpc.MethodDefinition<unknown, unknown>): MethodKind {
  if (method.requestStream) return method.responseStream ? 'bidi' : 'clientStream';
  return method.responseStream ? 'serverStream' : 'unary';
}
