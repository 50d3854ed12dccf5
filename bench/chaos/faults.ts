import type { ChaosCluster } from './cluster';
import type { Replicas } from './replicas';

export interface FaultContext {
  cluster: ChaosCluster;
  replicas: Replicas;
  /** Topic names as they are on the cluster (with the run's prefix). */
  physical: (topic: string) => string;
  progress: (line: string) => void;
}

export interface Fault {
  name: string;
  /** Injects the fault and undoes it; resolves once the thing it broke is back. */
  run(ctx: FaultContext): Promise<void>;
  /** Set when the fault must see no write acknowledged in [from, to): filled by `run`. */
  noAckWindow?: { from: number; to: number };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The node leading a partition; right after a failover there may be none for a moment (-1). */
async function leader(ctx: FaultContext, topic: string, partition: number): Promise<number> {
  for (let attempt = 0; ; attempt++) {
    const node = await ctx.cluster.leaderOf(ctx.physical(topic), partition);
    if (node > 0 || attempt >= 50) return node;
    await sleep(200);
  }
}
const BROKER_DOWN_MS = 10_000;
const PAUSE_MS = 20_000;
const DECIDER_PAUSE_MS = 15_000;

/** kill -9 of the broker leading `topic`/`partition`, restarted 10 s later. */
export function killLeader(topic: string, partition: number): Fault {
  return {
    name: `kill -9 leader of ${topic}[${partition}]`,
    async run(ctx) {
      const node = await leader(ctx, topic, partition);
      ctx.progress(`  broker ${node} leads ${topic}[${partition}]: kill -9`);
      await ctx.cluster.kill(node);
      await sleep(BROKER_DOWN_MS);
      await ctx.cluster.start(node);
      await ctx.cluster.waitInSync();
    },
  };
}

/** SIGSTOP of one broker (one that leads nothing of ours, if any) for 20 s, then SIGCONT. */
export function pauseBroker(): Fault {
  return {
    name: 'SIGSTOP one broker 20 s',
    async run(ctx) {
      const node = await leader(ctx, 'users.commands', 0);
      ctx.progress(`  broker ${node} (leads users.commands): SIGSTOP`);
      await ctx.cluster.pause(node);
      await sleep(PAUSE_MS);
      await ctx.cluster.resume(node);
      await ctx.cluster.waitInSync();
    },
  };
}

/** Two of three brokers stopped for 20 s: below min.insync.replicas, no write may be acknowledged. */
export function stopTwoBrokers(): Fault {
  const fault: Fault = {
    name: 'two of three brokers stopped 20 s',
    async run(ctx) {
      const [a, b] = ctx.cluster.nodes.slice(0, 2);
      ctx.progress(`  brokers ${a} and ${b}: stop`);
      await Promise.all([ctx.cluster.stop(a), ctx.cluster.stop(b)]);
      // Writes acknowledged just before the stop may still be answered a moment after it.
      fault.noAckWindow = { from: Date.now() + 1000, to: 0 };
      await sleep(PAUSE_MS);
      fault.noAckWindow.to = Date.now();
      await Promise.all([ctx.cluster.start(a), ctx.cluster.start(b)]);
      await ctx.cluster.waitInSync();
    },
  };
  return fault;
}

/** kill -9 of the replica whose decider is active, restarted 10 s later. */
export function killDecider(): Fault {
  return {
    name: 'kill -9 replica holding the decider',
    async run(ctx) {
      const i = await ctx.replicas.activeDecider();
      ctx.progress(`  replica ${i} decides (its decider.db is the one changing): kill -9`);
      await ctx.replicas.signal(i, 'SIGKILL');
      await sleep(BROKER_DOWN_MS);
      await ctx.replicas.start(i);
    },
  };
}

/**
 * SIGSTOP of the replica whose decider is active, for longer than the decider group's session (6 s),
 * then SIGCONT. Meanwhile the group hands the commands to another replica; the paused one wakes up
 * a zombie that still believes it decides, often holding commands it fetched before the pause that
 * the new owner has decided since. Only the fencing (one transactional id per group: the new
 * owner's producer bumps its epoch) keeps the zombie's transaction from committing them again.
 */
export function pauseDecider(): Fault {
  return {
    name: 'SIGSTOP replica holding the decider 15 s (zombie)',
    async run(ctx) {
      const i = await ctx.replicas.activeDecider();
      ctx.progress(`  replica ${i} decides: SIGSTOP`);
      ctx.replicas.pause(i, true);
      await sleep(DECIDER_PAUSE_MS);
      ctx.progress(`  replica ${i}: SIGCONT`);
      ctx.replicas.pause(i, false);
    },
  };
}

/** SIGTERM of a replica under load (it drains), then a restart. */
export function drainReplica(i = 1): Fault {
  return {
    name: 'SIGTERM replica under load, restart',
    async run(ctx) {
      ctx.progress(`  replica ${i}: SIGTERM`);
      const code = await ctx.replicas.signal(i, 'SIGTERM');
      ctx.progress(`  replica ${i} exited ${code}`);
      await ctx.replicas.start(i);
    },
  };
}

/** The faults by the names `--faults` takes. */
export const FAULTS: Record<string, () => Fault> = {
  'commands-leader': () => killLeader('users.commands', 0),
  'events-leader': () => killLeader('users.events', 0),
  'pause-broker': pauseBroker,
  'two-brokers': stopTwoBrokers,
  decider: killDecider,
  zombie: pauseDecider,
  drain: () => drainReplica(),
};

/** The full run, in the order of issue 14 (plus the zombie decider), and the CI version. */
export const FULL_PLAN: string[] = [...Array<string>(5).fill('commands-leader'), 'events-leader', 'pause-broker', 'two-brokers', 'decider', 'zombie', 'drain'];
export const QUICK_PLAN: string[] = ['commands-leader', 'decider', 'zombie'];

export function faultsNamed(names: string[]): Fault[] {
  return names.map((name) => {
    const make = FAULTS[name];
    if (!make) throw new Error(`unknown fault '${name}'; known: ${Object.keys(FAULTS).join(', ')}`);
    return make();
  });
}
