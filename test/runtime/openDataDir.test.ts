import { openDataDir } from '../../runtime/openDataDir';
import { resolveOptions } from '../../runtime/serviceOptions';
import { createLogger } from '../../lib/logger';
import { DataDirLockedError } from '../../store/dataDirLock';
import { removeDir, tempDir } from '../support/serverProcess';

const quiet = createLogger('error', () => {});

describe('openDataDir', () => {
  let dir: string;

  beforeEach(() => (dir = tempDir('datadir')));
  afterEach(() => removeDir(dir));

  it('holds the directory with its one lock: a second opener is refused, by name, until the first releases it', async () => {
    const options = resolveOptions({ data: dir }, {});
    const first = await openDataDir(options, quiet);
    await expect(openDataDir(options, quiet)).rejects.toBeInstanceOf(DataDirLockedError);
    // A process that only reads the embedded log still needs it: the log is a file of the directory.
    await expect(openDataDir(options, quiet, { logOnly: true })).rejects.toThrow(`data directory ${dir} is in use by process ${process.pid} `);
    await first.log.close();
    first.release();
    const again = await openDataDir(options, quiet, { logOnly: true });
    await again.log.close();
    again.release();
  });
});
