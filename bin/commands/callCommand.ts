import * as grpc from '@grpc/grpc-js';
import type { JsonValue } from '@bufbuild/protobuf';
import { createClient, serverStream, unary, type RequestOf, type UnaryRpc } from '../../client/userServiceClient';
import { loadContract } from '../../proto/contract';
import { transcoderFor, type MethodTranscoder } from '../../gateway/transcoder';
import { InvalidArgumentError } from '../../lib/errors';

const UNARY: UnaryRpc[] = ['GetUser', 'CreateUser', 'UpdateUser', 'DeleteUser'];
const isUnary = (method: string): method is UnaryRpc => (UNARY as string[]).includes(method);

/**
 * `usersvc call <Method> [json]`: one call from the command line, for people without grpcurl.
 * Reads and prints the proto3 JSON mapping through the gateway's transcoder (the build's
 * descriptor image), so its JSON is the gateway's and `buf curl`'s: lowerCamelCase names (proto
 * names accepted on input), RFC 3339 timestamps, enum names, int64 as strings, defaults written.
 * Prints the response (ListUsers: one user a line) on stdout and the trailers on stderr.
 */
export async function callCommand(addr: string, method: string | undefined, json: string | undefined, metadata: string[], timeoutMs: number): Promise<number> {
  if (!method || (!isUnary(method) && method !== 'ListUsers')) {
    process.stderr.write(`usersvc call: method must be one of ${[...UNARY, 'ListUsers'].join(', ')}\n`);
    return 2;
  }
  let transcoder: MethodTranscoder;
  // Made by the method's own descriptor, so it is the method's request.
  let request: RequestOf<UnaryRpc | 'ListUsers'>;
  try {
    transcoder = transcoderFor(loadContract(), method);
    request = transcoder.request(parseJson(json ?? '{}'), 'request JSON') as RequestOf<UnaryRpc | 'ListUsers'>;
  } catch (error) {
    return printError(error);
  }
  const options = { metadata: Object.fromEntries(metadata.map((kv) => kv.split(/=(.*)/s, 2))), timeoutMs };
  // The service's own message shape: the transcoder turns it into JSON and back.
  const client = createClient(addr);
  try {
    if (method === 'ListUsers') {
      const { messages, trailers } = await serverStream(client, method, request, options);
      for (const user of messages) process.stdout.write(`${JSON.stringify(transcoder.response(user))}\n`);
      printTrailers(trailers);
    } else {
      const { response, trailers } = await unary(client, method as UnaryRpc, request, options);
      process.stdout.write(`${JSON.stringify(transcoder.response(response), null, 2)}\n`);
      printTrailers(trailers);
    }
    return 0;
  } catch (error) {
    return printError(error);
  } finally {
    client.close();
  }
}

function parseJson(text: string): JsonValue {
  try {
    return JSON.parse(text) as JsonValue;
  } catch (error) {
    throw new InvalidArgumentError('request JSON', (error as Error).message);
  }
}

/** `CODE: message` on stderr, as the server (or, for a request that never left, this client) said it. */
function printError(error: unknown): number {
  const e = error as grpc.ServiceError;
  if (typeof e.code !== 'number') throw error; // not a status (e.g. no contract image): usersvc reports it
  process.stderr.write(`${grpc.status[e.code] ?? e.code}: ${e.details ?? e.message}\n`);
  return 1;
}

function printTrailers(trailers: grpc.Metadata): void {
  for (const [key, value] of Object.entries(trailers.getMap())) process.stderr.write(`# ${key}: ${String(value)}\n`);
}
