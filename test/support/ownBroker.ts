import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { packageRoot } from '../../lib/packageRoot';
import { removeDir, tempDir } from './serverProcess';

const run = promisify(execFile);
const scripts = path.join(packageRoot(), 'scripts', 'kafka');

/**
 * A broker of the test's own, on its own port and data directory, for fault tests that stop and
 * restart it: the shared broker other suites use in parallel is never touched.
 */
export class OwnBroker {
  private readonly dataDir = tempDir('broker');

  constructor(readonly port: number) {}

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  private env(keep: boolean): NodeJS.ProcessEnv {
    return { ...process.env, KAFKA_PORT: String(this.port), KAFKA_DATA_DIR: this.dataDir, KAFKA_KEEP_DATA: keep ? '1' : '0' };
  }

  /** Starts it fresh, or (`keep`) on the data it had when it stopped. */
  async start(keep = false): Promise<void> {
    await run('bash', [path.join(scripts, 'kafka-up.sh')], { env: this.env(keep) });
  }

  async stop(): Promise<void> {
    await run('bash', [path.join(scripts, 'kafka-down.sh')], { env: this.env(true) });
  }

  async destroy(): Promise<void> {
    await this.stop();
    removeDir(this.dataDir);
  }
}
