import { openAsIs } from '../support/memoryKeys';
import { Cursor } from '../../lib/cursor';
import { encodeMessage, messageType } from '../../proto/schema';
import { openDatabase } from '../../store/openDatabase';
import { UserPlan, type UserEvent } from '../../proto/messages';
import { UserView } from '../../store/userView';
import { ViewRebuild } from '../../store/viewRebuild';
import { removeDir, tempDir } from '../support/serverProcess';

const user = (version: number, name: string) => ({
  id: 'u1',
  email: 'a@x.io',
  name,
  plan: UserPlan.USER_PLAN_FREE,
  created_at: { seconds: 1, nanos: 0 },
  updated_at: { seconds: 2, nanos: 0 },
  version,
});
const events: UserEvent[] = [
  { command_id: 'c1', request_id: 'r1', occurred_at: null, kind: 'user_created', user_created: { user: user(1, 'A') } },
  { command_id: 'c2', request_id: '', occurred_at: null, kind: 'user_updated', user_updated: { user: user(2, 'B'), changed_paths: ['name'], previous: null } },
  { command_id: 'c3', request_id: '', occurred_at: null, kind: 'command_rejected', command_rejected: { code: 6, reason: 'taken', user_id: 'u9', field: '' } },
];
const positioned = events.map((event, offset) => ({ event, partition: 0, offset, bytes: encodeMessage(messageType('userservice.UserEvent'), event) }));

describe('UserView projection', () => {
  let dir: string;
  beforeEach(() => (dir = tempDir('view')));
  afterEach(() => removeDir(dir));

  it('applies a batch with its cursor in one step, and skips what the cursor has passed', () => {
    const view = UserView.open(`${dir}/v.db`, 'test-log', openAsIs);
    expect(view.apply(positioned.slice(0, 2)).cursor.toString()).toBe('0:2');
    const again = view.apply(positioned);
    expect(again.events.map((e) => e.offset)).toEqual([2]);
    expect(view.getUser('u1')).toMatchObject({ name: 'B', version: 2 });
    expect(view.findOutcome({ commandId: 'x', requestId: 'r1' })).toMatchObject({ commandId: 'c1', code: 0 });
    expect(view.findOutcome({ commandId: 'c1' })?.cursor.toString()).toBe('0:1');
    expect(view.findOutcome({ commandId: 'c3' })).toMatchObject({ code: 6, message: 'taken', user: null });
    view.close();
  });

  it('passes over a second event of a command already applied, in the same batch or a later one, as every replica does', () => {
    // What kafkajs once wrote: c2's event again after a later update (c4), and c1's again in the next batch.
    const c4: UserEvent = {
      command_id: 'c4',
      request_id: 'r4',
      occurred_at: null,
      kind: 'user_updated',
      user_updated: { user: user(3, 'C'), changed_paths: ['name'], previous: null },
    };
    const log = [...events, c4, events[1], events[0]].map((event, offset) => ({
      event,
      partition: 0,
      offset,
      bytes: encodeMessage(messageType('userservice.UserEvent'), event),
    }));
    const view = UserView.open(`${dir}/dup.db`, 'test-log', openAsIs);
    const first = view.apply(log.slice(0, 5));
    const second = view.apply(log.slice(5));
    expect(first.events.map((e) => e.event.command_id)).toEqual(['c1', 'c2', 'c3', 'c4']);
    expect(second.events).toEqual([]);
    expect(view.cursor().toString()).toBe('0:6');
    // Not set back to B by the repeated c2, and c1's outcome still the first one's.
    expect(view.getUser('u1')).toMatchObject({ name: 'C', version: 3 });
    expect(view.findOutcome({ commandId: 'c1' })?.cursor.toString()).toBe('0:1');
    const clean = UserView.open(`${dir}/clean.db`, 'test-log', openAsIs);
    clean.apply(log.slice(0, 4), Cursor.of([[0, 6]]));
    expect(view.checksum()).toEqual(clean.checksum());
    view.close();
    clean.close();
  });

  it('passes over a repeated event in a rebuild too, where the look-up index is built up front', () => {
    // A rebuild builds its other indexes at the end; the command-id look-up it makes per event
    // needs its index from the start (without it, 20,000 events took 15 s: a scan per event).
    const log = [...events, events[1], events[0]].map((event, offset) => ({
      event,
      partition: 0,
      offset,
      bytes: encodeMessage(messageType('userservice.UserEvent'), event),
    }));
    const rebuild = ViewRebuild.begin(`${dir}/rebuilt.db`, 'test-log');
    expect(rebuild.apply(log.slice(0, 4)).events.map((e) => e.event.command_id)).toEqual(['c1', 'c2', 'c3']);
    expect(rebuild.apply(log.slice(4)).events).toEqual([]);
    rebuild.finish([]);
    const live = UserView.open(`${dir}/live.db`, 'test-log', openAsIs);
    live.apply(log);
    const rebuilt = UserView.open(`${dir}/rebuilt.db`, 'test-log', openAsIs);
    expect(rebuilt.checksum()).toEqual(live.checksum());
    live.close();
    rebuilt.close();
  });

  it('keeps cursor and rows together across a reopen, and moves the cursor past offsets with no event', () => {
    const view = UserView.open(`${dir}/v.db`, 'test-log', openAsIs);
    view.apply(positioned, Cursor.of([[0, 10]]));
    const sum = view.checksum();
    view.close();
    const reopened = UserView.open(`${dir}/v.db`, 'test-log', openAsIs);
    expect(reopened.cursor().toString()).toBe('0:10');
    expect(reopened.checksum()).toEqual(sum);
    reopened.close();
  });

  it('wakes a waiter for an outcome and for a cursor', async () => {
    const view = UserView.open(`${dir}/v.db`, 'test-log', openAsIs);
    expect(view.findOutcome({ commandId: 'c2' })).toBeUndefined();
    const outcome = view.waitForNewOutcome({ commandId: 'c2' }, Date.now() + 5000);
    const cursor = view.waitForCursor(Cursor.of([[0, 3]]), Date.now() + 5000);
    view.apply(positioned);
    await expect(outcome).resolves.toMatchObject({ commandId: 'c2', user: { name: 'B' } });
    await expect(cursor).resolves.toBeUndefined();
    await expect(view.waitForCursor(Cursor.of([[0, 99]]), Date.now() + 50)).rejects.toMatchObject({ code: 4 });
    view.close();
  });

  it('drops a view file of an older layout, so the projector replays the log into it', () => {
    const db = openDatabase(`${dir}/old.db`);
    db.exec(`CREATE TABLE users (id TEXT PRIMARY KEY, email TEXT) WITHOUT ROWID; INSERT INTO users VALUES ('u1', 'a@x.io');
             CREATE TABLE outcomes (command_id TEXT PRIMARY KEY, user BLOB, position TEXT) WITHOUT ROWID;
             CREATE TABLE applied_cursor (partition INTEGER PRIMARY KEY, next_offset INTEGER NOT NULL); INSERT INTO applied_cursor VALUES (0, 7);`);
    db.close();
    const view = UserView.open(`${dir}/old.db`, 'test-log', openAsIs);
    expect(view.discardedOldLayout).toBe(true);
    expect(view.cursor().toString()).toBe('');
    expect(view.getUser('u1')).toBeUndefined();
    view.apply(positioned);
    expect(view.findOutcome({ commandId: 'c2' })).toMatchObject({ code: 0, user: { name: 'B', version: 2 } });
    expect(view.findOutcome({ commandId: 'c2' })?.cursor.toString()).toBe('0:2');
    view.close();
    const reopened = UserView.open(`${dir}/old.db`, 'test-log', openAsIs);
    expect(reopened.discardedOldLayout).toBe(false);
    expect(reopened.getUser('u1')).toMatchObject({ name: 'B' });
    reopened.close();
  });

  it('applies long batches of creates, updates and deletes in log order, as single events would be', () => {
    const at = { seconds: 1, nanos: 0 };
    const u = (id: string, version: number, name: string) => ({
      id,
      email: `${id}@x.io`,
      name,
      plan: UserPlan.USER_PLAN_FREE,
      created_at: at,
      updated_at: at,
      version,
    });
    const script: UserEvent[] = [];
    const add = (kind: 'user_created' | 'user_updated' | 'user_deleted', user: ReturnType<typeof u>) =>
      script.push({
        command_id: `k${script.length}`,
        request_id: script.length % 3 === 0 ? `r${script.length}` : '',
        occurred_at: at,
        kind,
        [kind]: kind === 'user_updated' ? { user, changed_paths: ['name'] } : { user },
      } as unknown as UserEvent);
    for (let i = 0; i < 150; i++) add('user_created', u(`u${i}`, 1, 'first'));
    for (let i = 0; i < 120; i++) add('user_updated', u(`u${i}`, 2, 'second'));
    add('user_deleted', u('u7', 3, 'second'));
    add('user_created', u('u7', 1, 'reborn'));
    for (let i = 100; i < 130; i++) add('user_updated', u(`u${i}`, 3, 'third'));
    const batch = script.map((event, offset) => ({ event, partition: 0, offset, bytes: encodeMessage(messageType('userservice.UserEvent'), event) }));
    const chunked = UserView.open(`${dir}/chunked.db`, 'test-log', openAsIs);
    chunked.apply(batch);
    const single = UserView.open(`${dir}/single.db`, 'test-log', openAsIs);
    for (const one of batch) single.apply([one]);
    expect(chunked.getUser('u7')).toMatchObject({ name: 'reborn', version: 1 });
    expect(chunked.getUser('u110')).toMatchObject({ name: 'third', version: 3 });
    expect(chunked.getUser('u140')).toMatchObject({ name: 'first', version: 1 });
    expect(chunked.findOutcome({ commandId: 'x', requestId: 'r270' })).toMatchObject({ commandId: 'k270' });
    expect(chunked.findOutcome({ commandId: 'k270' })?.cursor.toString()).toBe('0:271');
    expect(chunked.checksum()).toEqual(single.checksum());
    expect(chunked.checksum()).toMatchObject({ users: 150, outcomes: script.length });
    chunked.close();
    single.close();
  });
});
