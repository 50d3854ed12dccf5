import * as grpc from '@grpc/grpc-js';
import type { ServiceDeps } from '../events/serviceDeps';
import { loadContract } from '../proto/contract';
import { SERVICE_NAME, grpcDefinition } from '../proto/schema';
import { adaptHandler } from './grpc/adaptHandler';
import { encodeOnce, FEED_METHODS, passEncoded } from './grpc/encodeOnce';
import { callEnvFor, openCall, type CallSecurity, type CallTracking } from './call/callContext';
import type { AnyHandler } from './call/runCall';
import { grpcCallSource } from './grpc/grpcCallSource';
import { addHealthService } from './grpc/healthService';
import { strictDeserialize } from './grpc/strictDeserialize';
import type { Metrics } from './observability/metrics';
import { addReflectionService } from './reflection/reflectionService';
import { actionsFor } from './security/accessPolicy';
import type { RpcBinding } from './serverlessConfig';

/** The standard health service (grpc-health-check), which reflection describes too. */
const HEALTH_SERVICE = 'grpc.health.v1.Health';

export interface GrpcOptions {
  /** Default deadline of unary calls, ms. */
  unaryTimeoutMs: number;
  /** Default deadline of ListUsers and ImportUsers, ms. */
  streamTimeoutMs: number;
  maxMessageBytes: number;
  maxConcurrentStreams: number;
  keepaliveMs: number;
  idleTimeoutMs: number;
  slowReaderMs: number;
}

/**
 * How a method's responses are encoded. Feed methods keep each object's bytes (`encodeOnce`);
 * the others write distinct objects, where a cache would only cost a WeakMap entry per message.
 * Every method takes a Buffer as a message already encoded (proto/encoded.ts) and sends it as it is.
 */
export function responseSerializer(name: string, method: grpc.MethodDefinition<unknown, unknown>): grpc.serialize<unknown> {
  return FEED_METHODS.has(name) ? encodeOnce(method.responseSerialize) : passEncoded(method.responseSerialize);
}

/**
 * A grpc-js server with the UserService wired from serverless.yml, the standard health service
 * and server reflection from the compiled .proto files (so buf curl, grpcurl and grpc_health_probe work).
 */
export function createGrpcServer(
  rpcs: RpcBinding[],
  deps: ServiceDeps,
  options: GrpcOptions,
  tracking: CallTracking,
  security: CallSecurity,
  metrics: Metrics,
) {
  const server = new grpc.Server({
    'grpc.max_receive_message_length': options.maxMessageBytes,
    'grpc.max_send_message_length': options.maxMessageBytes,
    'grpc.max_concurrent_streams': options.maxConcurrentStreams,
    // Ping idle clients so dead connections are noticed, and close connections idle for long.
    'grpc.keepalive_time_ms': options.keepaliveMs,
    'grpc.keepalive_timeout_ms': 20_000,
    'grpc.max_connection_idle_ms': options.idleTimeoutMs,
  });
  const definition = grpcDefinition()[SERVICE_NAME] as grpc.ServiceDefinition;
  const service: Record<string, grpc.MethodDefinition<unknown, unknown>> = {};
  const implementation: grpc.UntypedServiceImplementation = {};
  // The descriptors the strict decoder checks requests against: the same image the gateway transcodes by.
  const contract = loadContract();
  for (const rpc of rpcs) {
    const method = definition[rpc.method];
    const input = contract.service.methods.find((m) => m.name === rpc.method)?.input;
    if (!input) throw new Error(`${rpc.method} is not in the contract image; run npm run build`);
    service[rpc.method] = {
      ...method,
      requestDeserialize: strictDeserialize(input, method.requestDeserialize),
      responseSerialize: responseSerializer(rpc.method, method),
    };
    const env = callEnvFor(rpc, { deps, tracking, security, metrics }, options);
    const open = (call: Parameters<typeof grpcCallSource>[0]) => openCall(grpcCallSource(call), env);
    implementation[rpc.method] = adaptHandler({ kind: rpc.kind, handler: rpc.handler as AnyHandler, actions: actionsFor(rpc.method) }, open);
  }
  server.addService(service, implementation);
  const health = addHealthService(server, ['', SERVICE_NAME]);
  addReflectionService(server, [SERVICE_NAME, HEALTH_SERVICE], deps.logger);
  return { server, health };
}
