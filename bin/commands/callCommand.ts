import * as grpc from '@grpc/grpc-js';
import { createClient, serverStream, unary } from '../../client/userServiceClient';

const UNARY = ['GetUser', 'CreateUser', 'UpdateUser', 'DeleteUser'];

/**
 * `usersvc call <Method> [json]`: one call from the command line, for people without grpcurl.
 * Prints the response as JSON (ListUsers: one user a line) and the trailers on stderr.
 */
export async function callCommand(addr: string, method: string | undefined, json: string | undefined, metadata: string[], timeoutMs: number): Promise<number> {
  if (!method || (!UNARY.includes(method) && method !== 'ListUsers')) {
    process.stderr.write(`usersvc call: method must be one of ${[...UNARY, 'ListUsers'].join(', ')}\n`);
    return 2;
  }
  const request = JSON.parse(json ?? '{}') as object;
  const options = { metadata: Object.fromEntries(metadata.map((kv) => kv.split(/=(.*)/s, 2))), timeoutMs };
  const client = createClient(addr, 'json');
  try {
    if (method === 'ListUsers') {
      const { messages, trailers } = await serverStream(client, method, request, options);
      for (const user of messages) process.stdout.write(`${JSON.stringify(user)}\n`);
      printTrailers(trailers);
    } else {
      const { response, trailers } = await unary(client, method, request, options);
      process.stdout.write(`${JSON.stringify(response, null, 2)}\n`);
      printTrailers(trailers);
    }
    return 0;
  } catch (error) {
    const e = error as grpc.ServiceError;
    process.stderr.write(`${grpc.status[e.code] ?? e.code}: ${e.details ?? e.message}\n`);
    return 1;
  } finally {
    client.close();
  }
}

function printTrailers(trailers: grpc.Metadata): void {
  for (const [key, value] of Object.entries(trailers.getMap())) process.stderr.write(`# ${key}: ${String(value)}\n`);
}
