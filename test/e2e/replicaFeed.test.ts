import * as grpc from '@grpc/grpc-js';
import { clientStream, createClient, serverStream, unary, type Client } from '../../client/userServiceClient';
import { ChangeType, UserPlan } from '../../proto/messages';
import { removeDir, startServer, tempDir, type ServerProcess } from '../support/serverProcess';
import type { SyncResult__Output } from '../../proto/generated/userservice/SyncResult';
import { SyncStream } from '../support/syncStream';

/**
 * What a replica needs from the feed (issue 13): filter transitions with before-images, Progress
 * bookmarks for filters that skip, snapshots that resume where they were cut, and `caught_up`
 * again after a subscriber fell out of the in-memory window. Each case keeps a replica the way
 * the README tells a client to, and compares it with ListUsers.
 */
const {
  CHANGE_TYPE_SNAPSHOT: SNAPSHOT,
  CHANGE_TYPE_CREATED: CREATED,
  CHANGE_TYPE_UPDATED: UPDATED,
  CHANGE_TYPE_DELETED: DELETED,
  CHANGE_TYPE_LEFT_FILTER: LEFT_FILTER,
  CHANGE_TYPE_ENTERED_FILTER: ENTERED_FILTER,
} = ChangeType;
const { USER_PLAN_FREE: FREE, USER_PLAN_PRO: PRO } = UserPlan;
const BOOKMARK_MS = 200;
const FEED_WINDOW = 50;

let dir: string;
let server: ServerProcess;
let client: Client;
const streams: SyncStream[] = [];
const open = () => {
  const s = new SyncStream(client, 120_000);
  streams.push(s);
  return s;
};
const unique = () => Math.random().toString(36).slice(2, 10);
type Message = SyncResult__Output;

/** A replica as the README's example keeps it: upsert on SNAPSHOT/CREATED/UPDATED/ENTERED_FILTER, remove on DELETED/LEFT_FILTER. */
function apply(replica: Map<string, number>, messages: Message[]): void {
  for (const { event } of messages) {
    if (!event?.user) continue;
    if (event.type === DELETED || event.type === LEFT_FILTER) replica.delete(event.user.id);
    else replica.set(event.user.id, Number(event.user.version));
  }
}

async function listed(filter = ''): Promise<Map<string, number>> {
  const { messages } = await serverStream(client, 'ListUsers', { filter }, { timeoutMs: 60_000 });
  return new Map(messages.map((u: { id: string; version: number }) => [u.id, Number(u.version)]));
}

const update = (id: string, fields: object, paths: string[]) => unary(client, 'UpdateUser', { user: { id, ...fields }, update_mask: { paths } });

/** Parses `0:4,1:7@identity` into offsets, to check that cursors never go backwards. */
const offsets = (cursor: string) =>
  new Map(
    cursor
      .split('@')[0]
      .split('~')[0]
      .split(',')
      .filter(Boolean)
      .map((pair) => pair.split(':').map(Number) as [number, number]),
  );
const notBefore = (later: string, earlier: string) => [...offsets(earlier)].every(([p, o]) => (offsets(later).get(p) ?? 0) >= o);

beforeAll(async () => {
  dir = tempDir('replica');
  server = await startServer(dir, ['--bookmark-ms', String(BOOKMARK_MS), '--feed-window', String(FEED_WINDOW)]);
  client = createClient(server.addr);
});

afterEach(() => {
  for (const s of streams.splice(0)) s.cancel();
});

afterAll(async () => {
  client.close();
  expect(await server.stop()).toBe(0);
  removeDir(dir);
});

it('tells a filtered subscriber when a user leaves and enters its filter, with the image before', async () => {
  const { response: user } = await unary(client, 'CreateUser', { email: `${unique()}@transit.example`, name: 'Mover', plan: PRO });
  const pro = open().subscribe('', 'plan = PRO');
  const all = open().subscribe();
  await pro.until((s) => s.received.some((m) => m.caught_up));
  await all.until((s) => s.received.some((m) => m.caught_up));
  expect(pro.events().find((e) => e.user.id === user.id)?.type).toBe(SNAPSHOT);

  await update(user.id, { plan: FREE }, ['plan']); // v2: leaves
  await update(user.id, { plan: PRO }, ['plan']); // v3: enters
  await update(user.id, { name: 'Mover, renamed' }, ['name']); // v4: still in
  await update(user.id, { plan: FREE }, ['plan']); // v5: leaves
  await unary(client, 'DeleteUser', { id: user.id }); // v6: deleted while out of the filter
  const { response: other } = await unary(client, 'CreateUser', { email: `${unique()}@transit.example`, name: 'Other', plan: PRO });
  await unary(client, 'DeleteUser', { id: other.id });

  await all.until((s) => s.events().some((e) => e.type === DELETED && e.user.id === other.id));
  await pro.until((s) => s.events().some((e) => e.type === DELETED && e.user.id === other.id));
  const seen = (s: SyncStream, id: string) =>
    s
      .events()
      .filter((e) => e.user.id === id && e.type !== SNAPSHOT)
      .map((e) => [e.type, Number(e.user.version), e.user.plan, e.previous ? Number(e.previous.version) : null, e.previous?.plan ?? null]);
  expect(seen(pro, user.id)).toEqual([
    [LEFT_FILTER, 2, FREE, 1, PRO],
    [ENTERED_FILTER, 3, PRO, 2, FREE],
    [UPDATED, 4, PRO, 3, PRO],
    [LEFT_FILTER, 5, FREE, 4, PRO],
  ]);
  expect(seen(pro, other.id)).toEqual([
    [CREATED, 1, PRO, null, null],
    [DELETED, 2, PRO, 1, PRO],
  ]);
  // Without a filter there are no transitions: every change is what it is, with what changed.
  const plain = all.events().filter((e) => e.user.id === user.id && e.type !== SNAPSHOT);
  expect(plain.map((e) => [e.type, Number(e.user.version), e.changed?.paths ?? null])).toEqual([
    [UPDATED, 2, ['plan']],
    [UPDATED, 3, ['plan']],
    [UPDATED, 4, ['name']],
    [UPDATED, 5, ['plan']],
    [DELETED, 6, null],
  ]);
  expect(plain[4].previous).toMatchObject({ version: 5, plan: FREE, name: 'Mover, renamed' });
  expect(all.received.some((m) => m.progress)).toBe(false);
});

it('sends Progress bookmarks while a filter skips everything, and a resume from the last one rescans nothing', async () => {
  const watcher = open().subscribe('', `name = "nobody ${unique()}"`);
  await watcher.until((s) => s.received.some((m) => m.caught_up));
  const rows = Array.from({ length: 200 }, (_, i) => ({ email: `skip${i}-${unique()}@bookmark.example`, name: `Skipped ${i}` }));
  // Written in batches with pauses, so the feed skips changes for longer than one bookmark period.
  for (let i = 0; i < rows.length; i += 50) {
    expect((await clientStream(client, 'ImportUsers', rows.slice(i, i + 50))).created).toBe(50);
    await new Promise((r) => setTimeout(r, BOOKMARK_MS));
  }
  // The last bookmark comes at most 1.5 bookmark periods after the last skipped change.
  await new Promise((r) => setTimeout(r, BOOKMARK_MS * 4));
  const bookmarks = watcher.received.filter((m) => m.progress).map((m) => m.progress!.cursor);
  expect(watcher.events()).toEqual([]);
  expect(bookmarks.length).toBeGreaterThanOrEqual(2);
  for (let i = 1; i < bookmarks.length; i++) expect(notBefore(bookmarks[i], bookmarks[i - 1])).toBe(true);

  // Resumed without the filter: had the bookmark missed any of the 200, they would come first.
  const resumed = open().subscribe(bookmarks[bookmarks.length - 1]);
  await resumed.until((s) => s.received.some((m) => m.caught_up));
  expect(resumed.events()).toEqual([]);
});

describe.each([
  ['no filter', '', 700, 600],
  ['filter plan = PRO', 'plan = PRO', 300, 200],
])('a snapshot cut short and resumed (%s)', (_label, filter, firstCut, secondCut) => {
  it('ends with exactly ListUsers, each user sent once as SNAPSHOT, changes to sent users as changes', async () => {
    const tag = unique();
    const rows = Array.from({ length: 2000 }, (_, i) => ({ email: `s${i}-${tag}@snapshot.example`, name: `Snap ${i}`, plan: i % 2 ? PRO : FREE }));
    for (let i = 0; i < rows.length; i += 500)
      expect((await clientStream(client, 'ImportUsers', rows.slice(i, i + 500), { timeoutMs: 60_000 })).created).toBe(500);

    const replica = new Map<string, number>();
    const snapshotIds: string[] = [];
    /** Reads a stream until `cut` SNAPSHOT events came, applies what came up to there, returns the cursor to resume from. */
    const readUntilCut = async (s: SyncStream, cut: number): Promise<string> => {
      await s.until((x) => x.events().filter((e) => e.type === SNAPSHOT).length >= cut, 60_000);
      let count = 0;
      const upTo = s.received.findIndex((m: Message) => m.event?.type === SNAPSHOT && ++count === cut);
      const kept = s.received.slice(0, upTo + 1) as Message[];
      s.cancel();
      apply(replica, kept);
      snapshotIds.push(...kept.filter((m) => m.event?.type === SNAPSHOT).map((m) => m.event!.user!.id));
      return kept[upTo].event!.cursor;
    };
    /** Changes made while the replica is away: to users it was sent and to users it was not, and new users. */
    const changeSome = async (round: number) => {
      const sent = [...replica.keys()].filter((id) => !id.startsWith('gone'));
      const all = [...(await listed()).keys()];
      const unsent = all.filter((id) => !replica.has(id));
      const pick = (ids: string[], n: number, offset: number) => Array.from({ length: n }, (_, i) => ids[(i * 37 + offset) % ids.length]);
      const updates = [...new Set([...pick(sent, 25, round), ...pick(unsent, 25, round + 7)])];
      for (const [i, id] of updates.entries()) await update(id, { name: `Changed ${round}.${i}`, plan: i % 3 === 0 ? FREE : PRO }, ['name', 'plan']);
      const deletes = [...new Set([...pick(sent, 5, round + 101), ...pick(unsent, 5, round + 203)])].filter((id) => !updates.includes(id));
      for (const id of deletes) await unary(client, 'DeleteUser', { id });
      for (let i = 0; i < 10; i++) await unary(client, 'CreateUser', { email: `new${round}-${i}-${tag}@snapshot.example`, name: `New ${i}`, plan: PRO });
    };

    const first = await readUntilCut(open().subscribe('', filter), firstCut);
    expect(first).not.toBe('');
    await changeSome(1);
    const second = await readUntilCut(open().subscribe(first, filter), secondCut);
    await changeSome(2);
    const last = open().subscribe(second, filter);
    await last.until((s) => s.received.some((m) => m.caught_up), 60_000);
    apply(replica, last.received);
    snapshotIds.push(
      ...last
        .events()
        .filter((e) => e.type === SNAPSHOT)
        .map((e) => e.user.id),
    );

    expect(new Set(snapshotIds).size).toBe(snapshotIds.length);
    expect(replica).toEqual(await listed(filter));
    // Cursors never go backwards within a stream, whatever kind of message carries them.
    const cursors = last.received.map((m: Message) => m.event?.cursor ?? m.caught_up?.cursor ?? m.progress?.cursor);
    for (let i = 1; i < cursors.length; i++) expect(notBefore(cursors[i]!, cursors[i - 1]!)).toBe(true);
  });
});

it('refuses to resume a snapshot under another filter', async () => {
  await unary(client, 'CreateUser', { email: `${unique()}@refuse.example`, name: 'Any', plan: PRO });
  const s = open().subscribe('', 'plan = PRO');
  await s.until((x) => x.events().length > 0);
  const cursor = s.events()[0].cursor;
  s.cancel();
  const other = open().subscribe(cursor, 'plan = FREE');
  const error = await other.ended();
  expect(error?.code).toBe(grpc.status.INVALID_ARGUMENT);
  expect(error?.details).toMatch(/another filter/);
});

it('says caught_up again after a subscriber fell out of the in-memory window and read the log', async () => {
  const tag = unique();
  const call = client.WatchUsers({ cursor: '', filter: `email : "${tag}"` }, new grpc.Metadata(), { deadline: Date.now() + 120_000 });
  const received: Message[] = [];
  let wake = () => {};
  call.on('data', (m: Message) => {
    received.push(m);
    wake();
  });
  call.on('error', () => {});
  const until = (condition: () => boolean) =>
    new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`not met; got ${received.length} messages`)), 60_000);
      wake = () => {
        if (condition()) {
          clearTimeout(timer);
          resolve();
        }
      };
      wake();
    });
  await until(() => received.some((m) => m.caught_up));
  call.pause(); // reads nothing: flow control stops the server's stream once the buffers are full
  const count = 2500;
  const rows = Array.from({ length: count }, (_, i) => ({ email: `lag${i}-${tag}@window.example`, name: `Lag ${i}` }));
  for (let i = 0; i < count; i += 500) await clientStream(client, 'ImportUsers', rows.slice(i, i + 500), { timeoutMs: 60_000 });
  call.resume();
  // Every change, then caught_up once the reader is back at the live end.
  await until(() => received.filter((m) => m.event).length === count && received[received.length - 1].caught_up !== undefined);
  call.cancel();
  // Each change once (in log order, which on Kafka is per partition, not the order of the rows).
  const names = received.filter((m) => m.event).map((m) => m.event!.user!.name);
  expect(names.sort()).toEqual(rows.map((r) => r.name).sort());
  // The paused reader fell behind the window (50) by far: it read the log, so it was told again.
  const marks = received.flatMap((m, i) => (m.caught_up ? [i] : []));
  expect(marks.length).toBeGreaterThanOrEqual(2);
  expect(marks[marks.length - 1]).toBe(received.length - 1);
});
