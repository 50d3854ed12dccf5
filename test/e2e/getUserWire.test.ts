import type * as grpc from '@grpc/grpc-js';
import http2 from 'node:http2';
import path from 'node:path';
import { unary, type Client } from '../../client/userServiceClient';
import { transcoderFor } from '../../gateway/transcoder';
import { loadContract } from '../../proto/contract';
import type { User } from '../../proto/messages';
import { encodeMessage, grpcDefinition, messageType, SERVICE_NAME } from '../../proto/schema';
import { openDatabase } from '../../store/openDatabase';
import { userFromRow, type UserRow } from '../../store/userRow';
import { grpcFrame } from '../../bench/load/h2load';
import { request } from '../support/httpClient';
import type { ServerProcess } from '../support/serverProcess';
import { useSuiteServer } from '../support/suiteServer';

/**
 * A wire capture of GetUser and ListUsers: the view now answers with the bytes it keeps per user
 * (issue 16), so the messages on the wire are compared, byte for byte, with what the server sent
 * before: grpc-js's own serializer on the user the view's columns give back (`userFromRow`).
 */
const service = grpcDefinition()[SERVICE_NAME] as grpc.ServiceDefinition;
let dir: string;
let server: ServerProcess;
let client: Client;

useSuiteServer('wire', (suite) => ({ dir, server, client } = suite));

/** The response messages of one call, from the raw DATA frames an http2 client received, and its grpc-status. */
async function rawCall(method: string, request: Buffer): Promise<{ messages: Buffer[]; status: string }> {
  const session = http2.connect(`http://${server.addr}`);
  try {
    const stream = session.request({ ':method': 'POST', ':path': `/${SERVICE_NAME}/${method}`, 'content-type': 'application/grpc', te: 'trailers' });
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    const trailers = new Promise<http2.IncomingHttpHeaders>((resolve) => stream.once('trailers', resolve));
    stream.end(grpcFrame(request));
    await new Promise((resolve, reject) => stream.once('close', resolve).once('error', reject));
    return { messages: frames(Buffer.concat(chunks)), status: String((await trailers)['grpc-status']) };
  } finally {
    session.close();
  }
}

/** gRPC's length-prefixed messages, each uncompressed. */
function frames(data: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let at = 0; at < data.length;) {
    expect(data[at]).toBe(0);
    const length = data.readUInt32BE(at + 1);
    out.push(data.subarray(at + 5, at + 5 + length));
    at += 5 + length;
  }
  return out;
}

/** What the server sent before issue 16 for this user: the serializer on the user read back from the view's columns. */
function bytesBefore(id: string): Buffer {
  const db = openDatabase(path.join(dir, 'views.db'), { readonly: true });
  try {
    const row = db.prepare('SELECT * FROM users WHERE id = ?').get(id) as UserRow;
    return service.GetUser.responseSerialize(userFromRow(row)) as Buffer;
  } finally {
    db.close();
  }
}

const getUserRequest = (id: string) => encodeMessage(messageType('userservice.GetUserRequest'), { id });

describe('GetUser and ListUsers on the wire', () => {
  let created: User;
  beforeAll(async () => {
    ({ response: created } = await unary(client, 'CreateUser', { email: `wire-${Date.now()}@example.com`, name: 'Wire — ✓ 🚀', plan: 2 }));
    await unary(client, 'CreateUser', { email: `wire2-${Date.now()}@example.com`, name: 'Second' });
  });

  it('sends GetUser the same bytes as before, which decode to the user CreateUser answered', async () => {
    const { messages, status } = await rawCall('GetUser', getUserRequest(created.id));
    expect(status).toBe('0');
    expect(messages).toHaveLength(1);
    expect(messages[0].toString('hex')).toBe(bytesBefore(created.id).toString('hex'));
    expect(service.GetUser.responseDeserialize(messages[0])).toEqual(created);
  });

  it('sends each ListUsers message as the same bytes GetUser sends for that user', async () => {
    const { messages, status } = await rawCall('ListUsers', encodeMessage(messageType('userservice.ListUsersRequest'), {}));
    expect(status).toBe('0');
    expect(messages.length).toBeGreaterThanOrEqual(2);
    for (const message of messages) {
      const { id } = service.ListUsers.responseDeserialize(message) as User;
      expect(message.toString('hex')).toBe(bytesBefore(id).toString('hex'));
    }
  });

  it('answers the gateway GET with the JSON of that user, and of its new version once it changes', async () => {
    const transcoder = transcoderFor(loadContract(), 'GetUser');
    const first = await request(`http://${server.httpAddr}`, 'GET', `/v1/users/${created.id}`);
    const again = await request(`http://${server.httpAddr}`, 'GET', `/v1/users/${created.id}`);
    expect(first.json).toEqual(transcoder.response(created));
    expect(again.text).toBe(first.text); // the second answer comes from the kept text
    const { response: updated } = await unary(client, 'UpdateUser', { user: { id: created.id, name: 'Renamed' }, update_mask: { paths: ['name'] } });
    const after = await request(`http://${server.httpAddr}`, 'GET', `/v1/users/${created.id}`);
    expect(after.json).toEqual(transcoder.response(updated));
    expect(after.json).toMatchObject({ name: 'Renamed', version: '2' });
  });
});
