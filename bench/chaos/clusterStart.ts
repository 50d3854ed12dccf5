import path from 'node:path';
import { packageRoot } from '../../lib/packageRoot';
import type { ChaosCluster } from './cluster';

/** Our ports and directory only: the cluster helper uses 39092, the shared broker 9092. */
export const BASE_PORT = 49092;
export const DATA_DIR = '/tmp/chaos-cluster';

/** The shape of test/support/kafkaCluster.ts as this harness uses it. */
interface KafkaClusterLike {
  brokers: string[];
  kill(n: number): Promise<void>;
  stop(n: number): Promise<void>;
  start(n: number): Promise<void>;
  pause(n: number): Promise<void>;
  resume(n: number): Promise<void>;
  leaderOf(topic: string, partition: number): Promise<number>;
  waitInSync(): Promise<void>;
  down(): Promise<void>;
}

/**
 * Starts the three-node cluster of test/support/kafkaCluster.ts. Loaded by path at run time: the
 * cluster class lives on another branch until it is merged, and the build must pass without it.
 */
export async function startCluster(progress: (line: string) => void): Promise<ChaosCluster> {
  const file = path.join(packageRoot(), 'dist', 'test', 'support', 'kafkaCluster.js');
  let KafkaCluster: { start(options: { basePort: number; dataDir: string; nodes: number }): Promise<KafkaClusterLike> };
  try {
    ({ KafkaCluster } = require(file)); // eslint-disable-line @typescript-eslint/no-require-imports
  } catch (error) {
    throw new Error(`the three-node cluster (${file}) is not built: ${(error as Error).message}; run with --single for the load and checks alone`);
  }
  progress(`starting three Kafka nodes on ${BASE_PORT} (data in ${DATA_DIR})`);
  const real = await KafkaCluster.start({ basePort: BASE_PORT, dataDir: DATA_DIR, nodes: 3 });
  return {
    brokers: real.brokers,
    replication: 3,
    faulty: true,
    nodes: [1, 2, 3],
    kill: (n) => real.kill(n),
    stop: (n) => real.stop(n),
    start: (n) => real.start(n),
    pause: (n) => real.pause(n),
    resume: (n) => real.resume(n),
    leaderOf: (t, p) => real.leaderOf(t, p),
    waitInSync: () => real.waitInSync(),
    down: () => real.down(),
  };
}
