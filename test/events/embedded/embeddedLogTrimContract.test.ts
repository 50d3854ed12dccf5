import { EmbeddedLog } from '../../../events/embedded/embeddedLog';
import { removeDir, tempDir } from '../../support/serverProcess';
import { describeTrimContract } from '../trimContract';

describeTrimContract('embedded SQLite file', async () => {
  const dir = tempDir('trimcontract');
  const log = EmbeddedLog.open(dir);
  return {
    log,
    async cleanup() {
      await log.close();
      removeDir(dir);
    },
  };
});
