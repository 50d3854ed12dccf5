import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createFileRegistry, fromBinary, getExtension, type DescExtension, type DescMethod, type DescService, type FileRegistry } from '@bufbuild/protobuf';
import { FileDescriptorSetSchema, type FileDescriptorSet, type MethodOptions } from '@bufbuild/protobuf/wkt';
import { packageRoot } from '../lib/packageRoot';
import { SERVICE_NAME } from '../proto/schema';
import { parsePathTemplate, type PathTemplate } from './pathTemplate';

/** Where `npm run build` writes the descriptor image of proto/ (`buf build`). */
export const contractImage = (): string => path.join(packageRoot(), 'dist', 'contract', 'userservice.binpb');

export type HttpVerb = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** One RPC's HTTP binding, read from its `google.api.http` option. */
export interface HttpBinding {
  method: DescMethod;
  verb: HttpVerb;
  template: PathTemplate;
  /** `*` (the whole request is the body), a field name, or '' (no body). */
  body: string;
}

/** The service's descriptors, with comments, as the gateway and the OpenAPI generator read them. */
export interface Contract {
  registry: FileRegistry;
  service: DescService;
  bindings: HttpBinding[];
}

/** Loads the descriptor image built from proto/, so JSON follows exactly what the .proto files say. */
export function loadContract(file = contractImage()): Contract {
  const registry = createFileRegistry(readDescriptorImage(file, 'the contract image'));
  const service = registry.getService(SERVICE_NAME);
  const http = registry.getExtension('google.api.http');
  if (!service || !http) throw new Error(`${file} holds no ${SERVICE_NAME} with google.api.http rules`);
  return { registry, service, bindings: service.methods.map((method) => bindingOf(method, http)) };
}

/** A descriptor image `npm run build` writes; a missing one is a build step not run, and the message says so. */
export function readDescriptorImage(file: string, what: string): FileDescriptorSet {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (error) {
    throw new Error(`cannot read ${what} ${file} (npm run build writes it): ${(error as Error).message}`);
  }
  return fromBinary(FileDescriptorSetSchema, bytes);
}

function bindingOf(method: DescMethod, http: DescExtension): HttpBinding {
  const options = method.proto.options as MethodOptions | undefined;
  // Every RPC must be reachable from a browser or curl; a missing rule is a contract bug.
  const rule = options ? (getExtension(options, http) as { pattern: { case?: string; value?: unknown }; body: string }) : undefined;
  const { case: verb, value } = rule?.pattern ?? {};
  if (!rule || typeof value !== 'string' || !verb || verb === 'custom') {
    throw new Error(`${method.parent.typeName}.${method.name} has no google.api.http get/post/put/patch/delete rule`);
  }
  return { method, verb: verb.toUpperCase() as HttpVerb, template: parsePathTemplate(value), body: rule.body };
}
