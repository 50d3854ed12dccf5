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

  it('refuses a second owner of the data directory in the same process too', () => {
    expect(() => EmbeddedLog.open(dir)).toThrow(
      expect.objectContaining({ code: Code.UNAVAILABLE, message: expect.stringMatching(/is in use by another process/) }),
    );
  });
});
