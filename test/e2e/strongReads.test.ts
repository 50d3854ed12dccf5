import * as grpc from '@grpc/grpc-js';
import { serverStream, unary, type Client } from '../../client/userServiceClient';
import { request } from '../support/httpClient';
import { strongSnapshot } from '../support/strongSnapshot';
import type { ServerProcess } from '../support/serverProcess';
import { useSuiteServer } from '../support/suiteServer';

/**
 * `users-consistency: strong` on GetUser, ListUsers and WatchUsers: the read waits until this
 * server's view has applied everything the log held when the call arrived (issue 13, point 7).
 * Runs on both logs (the jest projects).
 */
const STRONG = { 'users-consistency': 'strong' };
const unique = () => Math.random().toString(36).slice(2, 10);

describe('strong reads on one server', () => {
  let server: ServerProcess;
  let client: Client;

  useSuiteServer('strong', (suite) => ({ server, client } = suite));

  it('GetUser and ListUsers right after a write see it', async () => {
    for (let i = 0; i < 10; i++) {
      const email = `${unique()}@strong.example`;
      const { response } = await unary(client, 'CreateUser', { email, name: `Strong ${i}` });
      const read = await unary(client, 'GetUser', { id: response.id }, { metadata: STRONG });
      expect(read.response).toEqual(response);
      expect(String(read.trailers.get('users-cursor')[0])).toBeTruthy();
      const { messages } = await serverStream(client, 'ListUsers', { filter: `email = "${email}"` }, { metadata: STRONG });
      expect(messages).toEqual([response]);
    }
  });

  it('takes "local" as the default spelled out, and combines with users-min-cursor', async () => {
    const { response, trailers } = await unary(client, 'CreateUser', { email: `${unique()}@strong.example`, name: 'Both' });
    const cursor = String(trailers.get('users-cursor')[0]);
    expect((await unary(client, 'GetUser', { id: response.id }, { metadata: { 'users-consistency': 'local', 'users-min-cursor': cursor } })).response).toEqual(
      response,
    );
    expect((await unary(client, 'GetUser', { id: response.id }, { metadata: { ...STRONG, 'users-min-cursor': cursor } })).response).toEqual(response);
    // Strong does not lift a min cursor the log has not reached: both are honoured.
    const error = await unary(client, 'GetUser', { id: response.id }, { metadata: { ...STRONG, 'users-min-cursor': '0:99999999' }, timeoutMs: 2000 }).catch(
      (e) => e,
    );
    expect(error.code).toBe(grpc.status.DEADLINE_EXCEEDED);
    expect(error.details).toMatch(/users-consistency: strong\) and users-min-cursor 0:99999999/);
  });

  it.each(['STRONG', 'eventual', ''])('refuses users-consistency "%s" with INVALID_ARGUMENT naming the header and the accepted values', async (value) => {
    for (const method of ['GetUser', 'ListUsers'] as const) {
      const call =
        method === 'GetUser'
          ? unary(client, method, { id: 'x' }, { metadata: { 'users-consistency': value } })
          : serverStream(client, method, {}, { metadata: { 'users-consistency': value } });
      const error = await call.catch((e) => e);
      expect(error.code).toBe(grpc.status.INVALID_ARGUMENT);
      expect(error.details).toMatch(/^users-consistency: must be "strong" .* or "local" .*; got "/);
    }
  });

  it('WatchUsers with strong starts with a snapshot that holds the latest write', async () => {
    const { response } = await unary(client, 'CreateUser', { email: `${unique()}@watch-strong.example`, name: 'Watched' });
    const snapshot = await strongSnapshot(client, 'email : "@watch-strong.example"');
    expect(snapshot).toContainEqual(response);
  });

  it('passes through the gateway: a strong GET sees the write, a bad value is 400 naming the header', async () => {
    const base = `http://${server.httpAddr}`;
    const created = await request(base, 'POST', '/v1/users', { body: { email: `${unique()}@strong.example`, name: 'Http' } });
    const read = await request(base, 'GET', `/v1/users/${created.json.id}`, { headers: STRONG });
    expect(read).toMatchObject({ status: 200, json: created.json });
    const bad = await request(base, 'GET', `/v1/users/${created.json.id}`, { headers: { 'users-consistency': 'always' } });
    expect(bad).toMatchObject({ status: 400, json: { code: 3, message: expect.stringMatching(/^users-consistency: /) } });
  });
});
