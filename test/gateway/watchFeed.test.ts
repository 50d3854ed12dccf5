import { openSse, request } from '../support/httpClient';
import { removeDir, startServer, tempDir, type ServerProcess } from '../support/serverProcess';

/** The browser change feed: GET /v1/users:watch as Server-Sent Events, resumed with Last-Event-ID. */
let dir: string;
let server: ServerProcess;
let base: string;
const unique = () => Math.random().toString(36).slice(2, 10);
const create = async (name: string) => (await request(base, 'POST', '/v1/users', { body: { email: `${unique()}@watch.example`, name } })).json;

beforeAll(async () => {
  dir = tempDir('watch');
  server = await startServer(dir);
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
  expect(snapshot).toMatchObject({ event: 'event', id: undefined, data: { type: 'CHANGE_TYPE_SNAPSHOT', user: { id: before.id } } });
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
  expect((await feed.next())?.data.user.id).toBe(match.id);
  feed.close();
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
