import { duplex, openSse, request } from '../support/httpClient';
import { removeDir, startServer, tempDir, type ServerProcess } from '../support/serverProcess';

/** The browser change feed: GET /v1/users:watch as Server-Sent Events, resumed with Last-Event-ID. */
let dir: string;
let server: ServerProcess;
let base: string;
const unique = () => Math.random().toString(36).slice(2, 10);
const create = async (name: string) => (await request(base, 'POST', '/v1/users', { body: { email: `${unique()}@watch.example`, name } })).json;

beforeAll(async () => {
  dir = tempDir('watch');
  server = await startServer(dir, ['--bookmark-ms', '200']);
  base = `http://${server.httpAddr}`;
});

afterAll(async () => {
  await server.stop();
  removeDir(dir);
});

it('sends a snapshot, caughtUp with its cursor as the event id, then live changes', async () => {
  const before = await create('Before');
  const feed = await openSse(base, '/v1/users:watch');
  expect(feed.response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
  const snapshot = await feed.next();
  expect(snapshot).toMatchObject({ event: 'event', data: { type: 'CHANGE_TYPE_SNAPSHOT', user: { id: before.id } } });
  // A snapshot event's cursor resumes the snapshot after it: a browser cut off mid-snapshot goes on.
  expect(snapshot?.id).toBe(snapshot?.data.cursor);
  const caughtUp = await feed.next();
  expect(caughtUp?.event).toBe('caughtUp');
  expect(caughtUp?.id).toBe(caughtUp?.data.cursor);

  const live = await create('Live');
  const change = await feed.next();
  expect(change).toMatchObject({ event: 'event', data: { type: 'CHANGE_TYPE_CREATED', user: { id: live.id, version: '1' } } });
  expect(change?.id).toBe(change?.data.cursor);
  feed.close();
});

it('resumes after Last-Event-ID: every change missed while away, once, in order', async () => {
  const feed = await openSse(base, '/v1/users:watch');
  let last: string | undefined;
  for (let event = await feed.next(); event?.event !== 'caughtUp'; event = await feed.next()) last = event?.id ?? last;
  const seen = await create('Seen');
  const seenEvent = await feed.next();
  expect(seenEvent?.data.user.id).toBe(seen.id);
  last = seenEvent?.id;
  feed.close(); // the browser loses its connection

  const missed = [await create('Missed 1'), await create('Missed 2')];
  await request(base, 'PATCH', `/v1/users/${missed[0].id}?updateMask=name`, { body: { name: 'Missed 1, renamed' } });

  // What EventSource sends when it reconnects; the header wins over a stale ?cursor=.
  const resumed = await openSse(base, '/v1/users:watch?cursor=0:0', { 'last-event-id': last! });
  const events = [await resumed.next(), await resumed.next(), await resumed.next(), await resumed.next()];
  expect(events.map((e) => [e?.event, e?.data.type, e?.data.user?.name ?? null])).toEqual([
    ['event', 'CHANGE_TYPE_CREATED', 'Missed 1'],
    ['event', 'CHANGE_TYPE_CREATED', 'Missed 2'],
    ['event', 'CHANGE_TYPE_UPDATED', 'Missed 1, renamed'],
    ['caughtUp', undefined, null],
  ]);
  resumed.close();
});

it('filters the feed like ListUsers', async () => {
  const tag = unique();
  const feed = await openSse(base, `/v1/users:watch?filter=${encodeURIComponent(`name : "${tag}"`)}`);
  expect((await feed.next())?.event).toBe('caughtUp');
  await create('not this one');
  const match = await create(`match ${tag}`);
  // A slow machine may take over a second between the two writes: the skipped one is then
  // bookmarked (a `progress` event) before the match arrives.
  let next = await feed.next();
  while (next?.event === 'progress') next = await feed.next();
  expect(next?.data.user.id).toBe(match.id);
  feed.close();
});

it('tells a filtered feed that a user left and entered the filter, and bookmarks skipped changes (SSE)', async () => {
  const tag = unique();
  const filter = encodeURIComponent(`plan = PRO AND name : "${tag}"`);
  const feed = await openSse(base, `/v1/users:watch?filter=${filter}`);
  expect((await feed.next())?.event).toBe('caughtUp');
  const user = (await request(base, 'POST', '/v1/users', { body: { email: `${unique()}@watch.example`, name: `pro ${tag}`, plan: 'USER_PLAN_PRO' } })).json;
  expect((await feed.next())?.data).toMatchObject({ type: 'CHANGE_TYPE_CREATED', user: { id: user.id } });
  await request(base, 'PATCH', `/v1/users/${user.id}?updateMask=plan`, { body: { plan: 'USER_PLAN_FREE' } });
  const left = await feed.next();
  expect(left).toMatchObject({
    event: 'event',
    data: {
      type: 'CHANGE_TYPE_LEFT_FILTER',
      user: { plan: 'USER_PLAN_FREE', version: '2' },
      previous: { plan: 'USER_PLAN_PRO', version: '1' },
      changed: 'plan',
    },
  });
  await request(base, 'PATCH', `/v1/users/${user.id}?updateMask=plan`, { body: { plan: 'USER_PLAN_PRO' } });
  expect((await feed.next())?.data).toMatchObject({ type: 'CHANGE_TYPE_ENTERED_FILTER', previous: { plan: 'USER_PLAN_FREE' } });
  await create('skipped by the filter');
  const bookmark = await feed.next();
  expect(bookmark?.event).toBe('progress');
  expect(bookmark?.id).toBe(bookmark?.data.cursor);
  feed.close();
});

it('carries the same messages as NDJSON', async () => {
  const tag = unique();
  const watch = duplex(base, `/v1/users:watch?filter=${encodeURIComponent(`plan = PRO AND name : "${tag}"`)}`, { accept: 'application/x-ndjson' }, 'GET');
  watch.end();
  expect((await watch.lines(1))[0]).toMatchObject({ result: { caughtUp: {} } });
  const user = (await request(base, 'POST', '/v1/users', { body: { email: `${unique()}@watch.example`, name: `pro ${tag}`, plan: 'USER_PLAN_PRO' } })).json;
  await request(base, 'PATCH', `/v1/users/${user.id}?updateMask=plan`, { body: { plan: 'USER_PLAN_FREE' } });
  await create('skipped by the filter');
  const [, created, left, progress] = await watch.lines(4);
  expect(created).toMatchObject({ result: { event: { type: 'CHANGE_TYPE_CREATED' } } });
  expect(left).toMatchObject({ result: { event: { type: 'CHANGE_TYPE_LEFT_FILTER', previous: { plan: 'USER_PLAN_PRO' } } } });
  expect(progress.result.progress.cursor).toMatch(/@/);
  watch.destroy();
});

it('a resume point older than the log, or past its end, is refused before the stream starts', async () => {
  const answer = await request(base, 'GET', '/v1/users:watch', { headers: { accept: 'text/event-stream', 'last-event-id': '0:99999999' } });
  expect(answer.status).toBe(400);
  expect(answer.json).toMatchObject({ code: 11, message: expect.stringContaining('beyond the end of the log') });
});

it('shutdown ends the feed with an UNAVAILABLE error event, so the browser reconnects elsewhere', async () => {
  const own = tempDir('watch-stop');
  const second = await startServer(own);
  const feed = await openSse(`http://${second.httpAddr}`, '/v1/users:watch');
  expect((await feed.next())?.event).toBe('caughtUp');
  const stopped = second.stop();
  const end = await feed.next();
  expect(end).toMatchObject({ event: 'error', data: { code: 14 } });
  expect(await feed.next()).toBeUndefined();
  expect(await stopped).toBe(0);
  removeDir(own);
});
