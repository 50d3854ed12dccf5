import * as grpc from '@grpc/grpc-js';
import { createClient, unary, type Client } from '../../client/userServiceClient';
import { ChangeOp, ChangeType } from '../../proto/messages';
import { removeDir, startServer, tempDir, type ServerProcess } from '../support/serverProcess';
import { CURSOR } from '../support/cursorPattern';
import { SyncStream } from '../support/syncStream';

const { CHANGE_OP_CREATE: CREATE, CHANGE_OP_UPDATE: UPDATE, CHANGE_OP_DELETE: DELETE } = ChangeOp;
const { CHANGE_TYPE_SNAPSHOT: SNAPSHOT, CHANGE_TYPE_CREATED: CREATED, CHANGE_TYPE_UPDATED: UPDATED, CHANGE_TYPE_DELETED: DELETED } = ChangeType;

let dir: string;
let server: ServerProcess;
let client: Client;
const streams: SyncStream[] = [];
const open = () => {
  const s = new SyncStream(client);
  streams.push(s);
  return s;
};
const unique = () => Math.random().toString(36).slice(2, 10);

beforeAll(async () => {
  dir = tempDir('sync');
  server = await startServer(dir);
  client = createClient(server.addr);
  await unary(client, 'CreateUser', { email: 'seed@example.com', name: 'Seed' });
});

afterEach(() => {
  for (const s of streams.splice(0)) s.cancel();
});

afterAll(async () => {
  client.close();
  expect(await server.stop()).toBe(0);
  removeDir(dir);
});

describe('SyncUsers', () => {
  it('starts with a snapshot, then caught_up, then live changes', async () => {
    const a = open().subscribe();
    await a.until((s) => s.received.some((m) => m.caught_up));
    const snapshot = a.events();
    expect(snapshot.length).toBeGreaterThanOrEqual(1);
    expect(snapshot.every((e) => e.type === SNAPSHOT && e.cursor !== '')).toBe(true);
    expect(a.received[snapshot.length].caught_up?.cursor).toMatch(CURSOR);

    const { response } = await unary(client, 'CreateUser', { email: `${unique()}@example.com`, name: 'Live' });
    await a.until((s) => s.events().some((e) => e.type === CREATED && e.user.id === response.id));
  });

  it('carries a write by one client to the other, and answers the writer in order', async () => {
    const watcher = open().subscribe();
    await watcher.until((s) => s.received.some((m) => m.caught_up));
    const writer = open();
    const email = `${unique()}@example.com`;
    writer
      .change({ request_id: 'w1', op: CREATE, user: { email, name: 'Synced' } })
      .change({ request_id: 'w2', op: CREATE, user: { email, name: 'Clash' } })
      .change({ request_id: 'w3', op: CREATE, user: { email: 'bad', name: 'x' } })
      .change({ request_id: 'w4', op: 0 });
    await writer.until((s) => s.results().length === 4);
    const [ok, clash, invalid, noOp] = writer.results();
    expect(ok).toMatchObject({ request_id: 'w1', code: grpc.status.OK, user: { email, version: 1 } });
    expect(ok.cursor).toMatch(CURSOR);
    expect(clash).toMatchObject({ request_id: 'w2', code: grpc.status.ALREADY_EXISTS });
    expect(invalid).toMatchObject({ request_id: 'w3', code: grpc.status.INVALID_ARGUMENT });
    expect(noOp).toMatchObject({ request_id: 'w4', code: grpc.status.INVALID_ARGUMENT });

    const id = ok.user!.id;
    writer.change({ request_id: 'w5', op: UPDATE, user: { id, name: 'Renamed' }, update_mask: { paths: ['name'] }, expected_version: 1 });
    writer.change({ request_id: 'w6', op: DELETE, user: { id }, expected_version: 2 });
    await writer.until((s) => s.results().length === 6);
    expect(
      writer
        .results()
        .slice(4)
        .map((r) => r.code),
    ).toEqual([0, 0]);
    writer.halfClose();
    expect(await writer.ended()).toBeUndefined();

    await watcher.until((s) => s.events().some((e) => e.type === DELETED && e.user.id === id));
    const mine = watcher.events().filter((e) => e.user.id === id);
    expect(mine.map((e) => [e.type, Number(e.user.version)])).toEqual([
      [CREATED, 1],
      [UPDATED, 2],
      [DELETED, 3],
    ]);
  });

  it('resumes from the last cursor with no gap and no duplicate', async () => {
    const first = open().subscribe('', 'email : "@resume.example"');
    await first.until((s) => s.received.some((m) => m.caught_up));
    for (let i = 0; i < 5; i++) await unary(client, 'CreateUser', { email: `r${i}-${unique()}@resume.example`, name: `R${i}` });
    await first.until((s) => s.events().length === 5);
    const last = first.events()[2].cursor;
    first.cancel();

    for (let i = 5; i < 8; i++) await unary(client, 'CreateUser', { email: `r${i}-${unique()}@resume.example`, name: `R${i}` });
    const second = open().subscribe(last, 'email : "@resume.example"');
    await second.until((s) => s.received.some((m) => m.caught_up));
    const names = [...first.events().slice(0, 3), ...second.events()].map((e) => e.user.name);
    expect(names).toEqual(['R0', 'R1', 'R2', 'R3', 'R4', 'R5', 'R6', 'R7']);
  });

  it.each([
    ['0:999999', grpc.status.OUT_OF_RANGE, /beyond the end of the log/],
    ['zero', grpc.status.INVALID_ARGUMENT, /^subscribe.cursor: malformed cursor/],
  ])('ends a subscription from cursor %s with a clear status', async (cursor, code, message) => {
    const s = open().subscribe(cursor);
    const error = await s.ended();
    expect(error?.code).toBe(code);
    expect(error?.details).toMatch(message);
  });

  it('refuses a second subscribe and an empty update', async () => {
    const twice = open().subscribe().subscribe();
    expect((await twice.ended())?.code).toBe(grpc.status.INVALID_ARGUMENT);
    const empty = open();
    (empty as unknown as { call: grpc.ClientDuplexStream<object, unknown> }).call.write({});
    expect((await empty.ended())?.code).toBe(grpc.status.INVALID_ARGUMENT);
  });
});
