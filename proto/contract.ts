import { createFileRegistry, fromBinary, getExtension, type DescExtension, type DescMethod, type DescService, type FileRegistry } from '@bufbuild/protobuf';
import { FileDescriptorSetSchema, type FileDescriptorSet, type MethodOptions } from '@bufbuild/protobuf/wkt';
import { contractImage, contractImageBytes, readImageBytes } from './descriptorImage';
import { SERVICE_NAME } from './schema';
import { parsePathTemplate, type PathTemplate } from './pathTemplate';

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

/** Loads the descriptor image built from proto/, so JSON follows exactly what the .proto files say
 * (by default the bytes proto/schema.ts builds the binary runtime from; another file when named). */
export function loadContract(file?: string): Contract {
  const bytes = file === undefined ? contractImageBytes() : readImageBytes(file, 'the contract image');
  const registry = createFileRegistry(fromBinary(FileDescriptorSetSchema, bytes));
  const service = registry.getService(SERVICE_NAME);
  const http = registry.getExtension('google.api.http');
  if (!service || !http) throw new Error(`${file ?? contractImage()} holds no ${SERVICE_NAME} with google.api.http rules`);
  return { registry, service, bindings: service.methods.map((method) => bindingOf(method, http)) };
}

/** A descriptor image `npm run build` writes, decoded; a missing one is a build step not run, and the message says so. */
export function readDescriptorImage(file: string, what: string): FileDescriptorSet {
  return fromBinary(FileDescriptorSetSchema, readImageBytes(file, what));
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
