import { KafkaCluster } from '../harness/kafkaCluster';
import type { ChaosCluster } from './cluster';

/** Our ports and directory only: the cluster helper uses 39092, the shared broker 9092. */
export const BASE_PORT = 49092;
export const DATA_DIR = '/tmp/chaos-cluster';

/** Starts the three-node cluster of bench/harness/kafkaCluster.ts (nodes 1..3) as the harness sees it. */
export async function startCluster(progress: (line: string) => void): Promise<ChaosCluster> {
  progress(`starting three Kafka nodes on ${BASE_PORT}, ${BASE_PORT + 2}, ${BASE_PORT + 4} (data in ${DATA_DIR})`);
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
