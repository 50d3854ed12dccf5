import { rmSync } from 'node:fs';
import path from 'node:path';
import { EmbeddedLog } from '../../../events/embedded/embeddedLog';
import { readToEnd } from '../../../events/readToEnd';
import { Code } from '../../../lib/code';
import { Cursor } from '../../../lib/cursor';
import { removeDir, tempDir } from '../../support/serverProcess';
import { describeEventLogContract } from '../eventLog.contract';

describeEventLogContract('embedded SQLite file', async () => {
  const dir = tempDir('log');
  const fixture = {
    log: EmbeddedLog.open(dir),
    async reopen() {
      await fixture.log.close();
      fixture.log = EmbeddedLog.open(dir);
      return fixture.log;
    },
    async cleanup() {
      await fixture.log.close();
      removeDir(dir);
    },
    async removeStorage() {
      rmSync(path.join(dir, 'log.db'));
    },
  };
  return fixture;
});

describe('EmbeddedLog', () => {
  let dir: string;
  let log: EmbeddedLog;

  beforeEach(() => {
    dir = tempDir('log');
    log = EmbeddedLog.open(dir);
  });

  afterEach(async () => {
    await log.close();
    removeDir(dir);
  });

  it('writes concurrent appends in one transaction (group commit: one fsync for all)', async () => {
    const before = log.stats();
    await Promise.all(Array.from({ length: 200 }, (_, i) => log.append('t', [{ key: 'k', value: Buffer.from(String(i)) }])));
    const after = log.stats();
    expect(after.appends - before.appends).toBe(200);
    expect(after.flushes - before.flushes).toBe(1);
  });

  it('fsyncs a transaction unless every append in it may wait for the next fsync', async () => {
    const deferred = (text: string) => log.append('t', [{ key: 'k', value: Buffer.from(text) }], { syncWithNext: true });
    const start = log.stats();
    await deferred('a');
    const afterDeferred = log.stats();
    expect([afterDeferred.flushes - start.flushes, afterDeferred.syncs - start.syncs]).toEqual([1, 0]);
    await Promise.all([deferred('b'), log.append('t', [{ key: 'k', value: Buffer.from('c') }])]);
    const afterMixed = log.stats();
    expect([afterMixed.flushes - afterDeferred.flushes, afterMixed.syncs - afterDeferred.syncs]).toEqual([1, 1]);
    const records: string[] = [];
    await readToEnd(log, 't', Cursor.empty, (batch) => records.push(...batch.records.map((r) => r.value.toString())));
    expect(records).toEqual(['a', 'b', 'c']);
  });

  it("keeps a subscriber's position in memory until the next append carries it, shows it at once, and writes it at close", async () => {
    const position = { group: 'audit', topic: 'events', cursor: Cursor.of([[0, 7]]) };
    const start = log.stats();
    await log.commitAfterBatch(position);
    expect(log.stats().flushes).toBe(start.flushes); // no transaction of its own
    expect((await log.committed('audit', 'events')).toString()).toBe(position.cursor.toString());
    await log.append('commands', [{ key: 'k', value: Buffer.from('x') }]);
    expect(log.stats().flushes).toBe(start.flushes + 1);
    await log.commitAfterBatch({ ...position, cursor: Cursor.of([[0, 9]]) });
    await log.close();
    log = EmbeddedLog.open(dir);
    expect((await log.committed('audit', 'events')).toString()).toBe(Cursor.of([[0, 9]]).toString());
  });

  it('lets the event loop run between the batches of a member catching up on a backlog', async () => {
    for (let i = 0; i < 5; i++) await log.append('t', [{ key: 'k', value: Buffer.from(String(i)) }]);
    const controller = new AbortController();
    const seen: string[] = [];
    // A timer's turn comes only when the consumer yields to the event loop, not between promises.
    setImmediate(() => seen.push('event loop'));
    await log.consume(
      'backlog',
      't',
      {
        prepare: async () => {},
        handle: async (batch) => {
          seen.push(...batch.records.map((r) => r.value.toString()));
          if (seen.includes('4')) controller.abort();
        },
        commitAfterHandle: true,
      },
      { signal: controller.signal, maxBatch: 2 },
    );
    expect(seen.indexOf('event loop')).toBeGreaterThan(-1);
    expect(seen.indexOf('event loop')).toBeLessThan(seen.indexOf('4'));
  });

  it('lets a position committed durably win over an older one a subscriber left in memory', async () => {
    await log.commitAfterBatch({ group: 'g', topic: 't', cursor: Cursor.of([[0, 5]]) });
    await log.commit({ group: 'g', topic: 't', cursor: Cursor.of([[0, 2]]) });
    await log.append('t', [{ key: 'k', value: Buffer.from('x') }]);
    expect((await log.committed('g', 't')).toString()).toBe(Cursor.of([[0, 2]]).toString());
    await log.close();
    log = EmbeddedLog.open(dir);
    expect((await log.committed('g', 't')).toString()).toBe(Cursor.of([[0, 2]]).toString());
  });

  it('reports a log.db removed from under it: the append is refused, listeners hear it, and nothing more is served', async () => {
    await log.append('t', [{ key: 'k', value: Buffer.from('kept') }]);
    const heard: Error[] = [];
    log.onFailure((error) => heard.push(error));
    rmSync(path.join(dir, 'log.db'));
    // SQLite itself would take this append, into a file no longer on disk: lost once the process ends.
    await expect(log.append('t', [{ key: 'k', value: Buffer.from('lost') }])).rejects.toMatchObject({
      code: Code.DATA_LOSS,
      message: expect.stringContaining('log.db was removed or replaced while the log had it open'),
    });
    expect(heard.map((e) => (e as { code?: number }).code)).toEqual([Code.DATA_LOSS]);
    expect(log.healthy()).toBe(false);
    await expect(log.bounds('t')).rejects.toMatchObject({ code: Code.DATA_LOSS });
  });
});
