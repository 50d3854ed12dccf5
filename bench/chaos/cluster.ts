/**
 * What the harness needs of a Kafka cluster: the three-node cluster of bench/harness/kafkaCluster.ts
 * satisfies it; `SharedBroker` stands in for it on one broker (no faults), to develop the load
 * and the checker without a cluster.
 */
export interface ChaosCluster {
  readonly brokers: string[];
  /** How many copies a new topic gets: 3 on the cluster, 1 on a single broker. */
  readonly replication: number;
  /** Whether faults can be injected at all. */
  readonly faulty: boolean;
  kill(node: number): Promise<void>;
  stop(node: number): Promise<void>;
  start(node: number): Promise<void>;
  pause(node: number): Promise<void>;
  resume(node: number): Promise<void>;
  /** The node id leading a partition now. */
  leaderOf(topic: string, partition: number): Promise<number>;
  /** Resolves once every partition has all its replicas in sync again. */
  waitInSync(): Promise<void>;
  /** The node ids, to pick the ones that do not lead. */
  readonly nodes: number[];
  down(): Promise<void>;
}

/** The shared broker on 127.0.0.1:9092: no node of ours, so every fault refuses to run. */
export class SharedBroker implements ChaosCluster {
  readonly replication = 1;
  readonly faulty = false;
  readonly nodes = [1];
  constructor(readonly brokers: string[] = ['127.0.0.1:9092']) {}
  private refuse(): Promise<void> {
    return Promise.reject(new Error('the shared broker is not ours to fault: run with the three-node cluster'));
  }
  kill = () => this.refuse();
  stop = () => this.refuse();
  start = () => this.refuse();
  pause = () => this.refuse();
  resume = () => this.refuse();
  leaderOf = () => Promise.resolve(1);
  waitInSync = () => Promise.resolve();
  down = () => Promise.resolve();
}
