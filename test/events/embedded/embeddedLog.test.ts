import { EmbeddedLog } from '../../../events/embedded/embeddedLog';
import { Code } from '../../../lib/code';
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

  it('refuses a second owner of the data directory in the same process too', () => {
    expect(() => EmbeddedLog.open(dir)).toThrow(expect.objectContaining({ code: Code.UNAVAILABLE, message: expect.stringMatching(/is in use by another process/) }));
  });
});
