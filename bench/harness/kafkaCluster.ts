import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { Kafka, logLevel, type Admin, type PartitionMetadata } from 'kafkajs';
import { packageRoot } from '../../lib/packageRoot';

const run = promisify(execFile);
const scripts = path.join(packageRoot(), 'scripts', 'kafka');

/** How to start a cluster: its own ports (BASE, BASE+2, BASE+4) and its own run directory. */
export interface KafkaClusterOptions {
  basePort: number;
  dataDir: string;
  nodes: 3;
}

/**
 * A three-node Kafka cluster (scripts/kafka/kafka-up.sh --nodes 3) and its fault controls
 * (scripts/kafka/kafka-node.sh), for chaos harnesses and benchmarks: no jest globals here.
 * Nodes are numbered 1..3; node n is Kafka's node.id n and listens on basePort + 2(n-1).
 */
export class KafkaCluster {
  readonly brokers: string[];
  /** Nodes this object stopped, killed or paused and has not started or resumed since. */
  private readonly faulty = new Set<number>();

  private constructor(private readonly options: KafkaClusterOptions) {
    this.brokers = [1, 2, 3].map((n) => `127.0.0.1:${this.portOf(n)}`);
  }

  /**
   * Starts a fresh cluster (or keeps the one kafka-up.sh finds running on these ports and this
   * directory) and resolves once a transaction committed with all three in sync.
   */
  static async start(options: KafkaClusterOptions): Promise<KafkaCluster> {
    const cluster = new KafkaCluster(options);
    await cluster.script('kafka-up.sh', ['--nodes', String(options.nodes)]);
    return cluster;
  }

  portOf(n: number): number {
    return this.options.basePort + 2 * (this.checked(n) - 1);
  }

  /** The node listening on `port` (a number or "host:port"). */
  nodeOf(port: number | string): number {
    const value = typeof port === 'number' ? port : Number(port.slice(port.lastIndexOf(':') + 1));
    const n = (value - this.options.basePort) / 2 + 1;
    if (!Number.isInteger(n) || n < 1 || n > this.options.nodes)
      throw new Error(`no node of this cluster listens on ${port} (brokers: ${this.brokers.join(', ')})`);
    return n;
  }

  /** SIGKILL: a crash. Resolves once the process is gone. */
  async kill(n: number): Promise<void> {
    await this.node('kill', n);
    this.faulty.add(n);
  }

  /** SIGTERM (controlled shutdown); resolves once the process has exited. */
  async stop(n: number): Promise<void> {
    await this.node('stop', n);
    this.faulty.add(n);
  }

  /** Starts node n again on its own data; it rejoins by itself (see waitInSync). */
  async start(n: number): Promise<void> {
    await this.node('start', n);
    this.faulty.delete(n);
  }

  /** SIGSTOP: alive but answering nothing, like a long GC pause. */
  async pause(n: number): Promise<void> {
    await this.node('pause', n);
    this.faulty.add(n);
  }

  async resume(n: number): Promise<void> {
    await this.node('resume', n);
    this.faulty.delete(n);
  }

  async pid(n: number): Promise<number> {
    return Number((await this.node('pid', n)).trim());
  }

  /**
   * Creates a topic with a replica on every node (min.insync.replicas 2, the cluster's default)
   * and resolves once all its partitions have all three in sync: kafkajs's own waitForLeaders
   * can ask a node that has not heard of the topic yet and reject.
   */
  async createTopic(topic: string, numPartitions = 1, timeoutMs = 60_000): Promise<void> {
    await this.withAdmin((admin) => admin.createTopics({ topics: [{ topic, numPartitions, replicationFactor: this.options.nodes }], waitForLeaders: false }));
    await this.waitInSync(topic, timeoutMs);
  }

  /**
   * The node leading the partition as one node's metadata says now; -1 while there is none.
   * Nodes learn of an election a moment apart, so right after one, two calls can disagree: wait
   * for the outcome with newLeaderOf.
   */
  async leaderOf(topic: string, partition: number): Promise<number> {
    return (await this.partition(topic, partition)).leader;
  }

  /**
   * Resolves with the partition's leader once it is not `former` (nor -1) in three answers in a
   * row, 100 ms apart: the election after `former` was killed, stopped or paused, settled.
   */
  async newLeaderOf(topic: string, partition: number, former: number, timeoutMs = 60_000): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    let candidate = -1;
    let streak = 0;
    for (;;) {
      const leader = await this.leaderOf(topic, partition).catch(() => -1);
      if (leader === former || leader === -1) streak = 0;
      else streak = leader === candidate ? streak + 1 : 1;
      candidate = leader;
      if (streak >= 3) return leader;
      if (Date.now() > deadline) throw new Error(`${topic}[${partition}] still led by ${leader} (not a new leader) after ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** The nodes in the partition's in-sync replica set, as the cluster's metadata says now. */
  async inSyncOf(topic: string, partition: number): Promise<number[]> {
    return [...(await this.partition(topic, partition)).isr].sort((a, b) => a - b);
  }

  /**
   * Resolves once every partition of `topic` (of every topic, internal ones included, when none
   * is named) has all three nodes in sync; rejects after `timeoutMs` naming the lagging partition.
   */
  async waitInSync(topic?: string, timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const lagging = await this.laggingPartition(topic).catch((error: Error) => `metadata failed: ${error.message}`);
      if (lagging === undefined) return;
      if (Date.now() > deadline) throw new Error(`not all replicas in sync after ${timeoutMs} ms: ${lagging}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  /** Stops every node (SIGTERM, then SIGKILL); the data directory stays for inspection. */
  async down(): Promise<void> {
    await this.script('kafka-down.sh', []);
  }

  private async partition(topic: string, partition: number): Promise<PartitionMetadata> {
    return this.withAdmin(async (admin) => {
      const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
      const found = topics[0]?.partitions.find((p) => p.partitionId === partition);
      if (!found) throw new Error(`${topic} has no partition ${partition}`);
      return found;
    });
  }

  /** The first partition with fewer than all nodes in sync, described; undefined when none. */
  private async laggingPartition(topic?: string): Promise<string | undefined> {
    return this.withAdmin(async (admin) => {
      const { topics } = await admin.fetchTopicMetadata(topic ? { topics: [topic] } : undefined);
      for (const { name, partitions } of topics) {
        const short = partitions.find((p) => p.isr.length < this.options.nodes);
        if (short) return `${name}[${short.partitionId}] leader ${short.leader}, in sync ${short.isr.join(',') || 'none'}`;
      }
      return undefined;
    });
  }

  /**
   * Asks the nodes one at a time, those this object has not stopped, killed or paused first: a
   * paused node accepts connections and never answers, and kafkajs keeps asking its first seed
   * broker. A fresh admin per question, since a cached connection to a dead node answers stale.
   */
  private async withAdmin<T>(use: (admin: Admin) => Promise<T>): Promise<T> {
    const order = [1, 2, 3].sort((a, b) => Number(this.faulty.has(a)) - Number(this.faulty.has(b)));
    let lastError: unknown;
    for (const n of order) {
      const kafka = new Kafka({
        clientId: 'kafka-cluster',
        brokers: [`127.0.0.1:${this.portOf(n)}`],
        logLevel: logLevel.NOTHING,
        connectionTimeout: 1000,
        requestTimeout: 3000,
        retry: { retries: 2, initialRetryTime: 100 },
      });
      const admin = kafka.admin();
      try {
        await admin.connect();
        return await use(admin);
      } catch (error) {
        lastError = error;
      } finally {
        await admin.disconnect().catch(() => {});
      }
    }
    throw lastError;
  }

  private checked(n: number): number {
    if (!Number.isInteger(n) || n < 1 || n > this.options.nodes) throw new Error(`node must be 1..${this.options.nodes}, got ${n}`);
    return n;
  }

  private async node(action: string, n: number): Promise<string> {
    return this.script('kafka-node.sh', [action, String(this.checked(n))]);
  }

  private async script(name: string, args: string[]): Promise<string> {
    const env = { ...process.env, KAFKA_PORT: String(this.options.basePort), KAFKA_DATA_DIR: this.options.dataDir };
    try {
      const { stdout } = await run('bash', [path.join(scripts, name), ...args], { env, maxBuffer: 16 << 20 });
      return stdout;
    } catch (error) {
      const failed = error as { stdout?: string; stderr?: string; message: string };
      throw new Error(`${name} ${args.join(' ')} failed: ${(failed.stderr || failed.stdout || failed.message).trim()}`);
    }
  }
}
