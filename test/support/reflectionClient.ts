import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

export type ReflectionVersion = 'v1' | 'v1alpha';

/** One ServerReflectionRequest: exactly one of these, as the proto's oneof says. */
export type ReflectionAsk =
  | { list_services: string }
  | { file_by_filename: string }
  | { file_containing_symbol: string }
  | { file_containing_extension: { containing_type: string; extension_number: number } }
  | { all_extension_numbers_of_type: string };

export interface ReflectionAnswer {
  file_descriptor_response?: { file_descriptor_proto: Buffer[] };
  all_extension_numbers_response?: { base_type_name: string; extension_number: number[] };
  list_services_response?: { service: Array<{ name: string }> };
  error_response?: { error_code: number; error_message: string };
}

export interface ReflectionClient {
  /** Sends one request on the open stream and resolves with its answer (requests go one at a time). */
  ask(request: ReflectionAsk): Promise<ReflectionAnswer>;
  /** Ends the stream and resolves when the server has ended it too. */
  close(): Promise<void>;
}

/**
 * A reflection client as any grpc-js program would write one: the reflection.proto shipped with
 * @grpc/reflection (not the server's own image), one bidirectional stream, answers in order.
 */
export function createReflectionClient(addr: string, version: ReflectionVersion): ReflectionClient {
  const protoFile = path.join(
    path.dirname(require.resolve('@grpc/reflection/package.json')),
    'build',
    'proto',
    'grpc',
    'reflection',
    version,
    'reflection.proto',
  );
  const definition = protoLoader.loadSync(protoFile, { keepCase: true, longs: Number, defaults: true, oneofs: true });
  const Client = grpc.makeClientConstructor(definition[`grpc.reflection.${version}.ServerReflection`] as grpc.ServiceDefinition, 'ServerReflection');
  const client = new Client(addr, grpc.credentials.createInsecure()) as unknown as grpc.Client & {
    ServerReflectionInfo(): grpc.ClientDuplexStream<object, ReflectionAnswer>;
  };
  const stream = client.ServerReflectionInfo();
  const waiting: Array<{ resolve: (answer: ReflectionAnswer) => void; reject: (error: Error) => void }> = [];
  stream.on('data', (answer: ReflectionAnswer) => waiting.shift()?.resolve(answer));
  const ended = new Promise<void>((resolve, reject) => {
    stream.on('error', (error: Error) => {
      waiting.splice(0).forEach((w) => w.reject(error));
      reject(error);
    });
    stream.on('end', () => resolve());
  });
  ended.catch(() => undefined); // surfaced by ask() or close()
  return {
    ask: (request) =>
      new Promise((resolve, reject) => {
        waiting.push({ resolve, reject });
        stream.write({ host: '', ...request });
      }),
    close: async () => {
      stream.end();
      try {
        await ended;
      } finally {
        client.close();
      }
    },
  };
}
