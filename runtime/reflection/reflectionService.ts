import { readFileSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import type { Logger } from '../../lib/logger';
import { answerReflection, type ReflectionRequest, type ReflectionResponse, type ServedDescriptors } from './answerReflection';
import { createDescriptorIndex } from './descriptorIndex';
import { loadServedFiles } from './servedFiles';
import { standardServicesImage } from './standardServicesImage';

/** Both versions of the protocol: grpcurl and buf curl ask for v1 first, older tools use v1alpha. */
export const REFLECTION_SERVICES = ['grpc.reflection.v1.ServerReflection', 'grpc.reflection.v1alpha.ServerReflection'];

/**
 * Adds gRPC server reflection (v1 and v1alpha) to `server`, describing `services` with the real
 * files `npm run build` compiled: each file under its own name with its own imports, so tools
 * that build a descriptor pool from them (buf curl, grpcurl, Python's protobuf) accept them.
 * Throws at start when a service has no descriptor, rather than answer a client with a gap.
 */
export function addReflectionService(server: grpc.Server, services: string[], logger: Logger, files = loadServedFiles()): void {
  const index = createDescriptorIndex(files);
  const served: ServedDescriptors = { index, services: [...services, ...REFLECTION_SERVICES] };
  const missing = served.services.filter((name) => !index.hasService(name));
  if (missing.length > 0) throw new Error(`server reflection has no descriptor for ${missing.join(', ')}: rebuild (npm run build)`);
  const report = (error: unknown) => logger.error('reflection request failed', { error });
  const handler = (call: grpc.ServerDuplexStream<ReflectionRequest, ReflectionResponse>) => {
    const sent = new Set<string>();
    // A client that sends requests without reading the answers stops being read: answers (the first
    // is ~100 KB of files) never pile up in memory without bound.
    call.on('data', (request: ReflectionRequest) => {
      if (!call.write(answerReflection(served, request, sent, report))) {
        call.pause();
        call.once('drain', () => call.resume());
      }
    });
    call.on('end', () => call.end());
  };
  const definition = reflectionDefinition();
  for (const name of REFLECTION_SERVICES) server.addService(definition[name] as grpc.ServiceDefinition, { ServerReflectionInfo: handler });
}

/** The reflection services' own definition, from the same image that describes them. */
function reflectionDefinition(): protoLoader.PackageDefinition {
  return protoLoader.loadFileDescriptorSetFromBuffer(readFileSync(standardServicesImage()), {
    keepCase: true,
    longs: Number,
    enums: Number,
    defaults: true,
    oneofs: true,
  });
}
