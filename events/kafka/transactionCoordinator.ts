import { kafkajsClass } from './kafkajsInternals';

/** The parts of kafkajs's cluster (src/cluster) and broker this file relies on. */
interface Broker {
  nodeId: number;
}
interface Cluster {
  findGroupCoordinator(args: { groupId: string; coordinatorType?: number }): Promise<Broker>;
  findBroker(args: { nodeId: number }): Promise<Broker>;
}

/** FindCoordinator's key type for a transactional id (kafkajs's protocol/coordinatorTypes). */
const TRANSACTION = 1;
const known = Symbol('transaction coordinators');

/**
 * Makes a transactional producer of kafkajs 2.2.4 remember its coordinators, as Kafka's own
 * clients do, instead of asking a broker (FindCoordinator) before each AddPartitionsToTxn,
 * AddOffsetsToTxn, TxnOffsetCommit (the group's coordinator) and EndTxn: four of the fourteen
 * requests a single CreateUser cost, each a round trip the decider's transaction waited for
 * (bench/kafkaHops.js counts them).
 *
 * A coordinator is looked up again once a request to it fails for want of it (NOT_COORDINATOR,
 * COORDINATOR_NOT_AVAILABLE, no answer at all), so one that moved (a broker down, a partition of
 * __transaction_state or __consumer_offsets led elsewhere) is found on kafkajs's next retry, as
 * before. Other clients (consumers, which keep their group's
 * coordinator themselves; the admin) are left as they are, and so is another kafkajs version.
 */
export function rememberTransactionCoordinators(): boolean {
  const proto = kafkajsClass<Cluster & { remembers?: boolean }>('src/cluster')?.prototype;
  if (!proto) return false;
  if (proto.remembers) return true;
  const find = proto.findGroupCoordinator;
  proto.findGroupCoordinator = async function (this: Cluster & { [known]?: Map<string, number> }, args) {
    // A cluster that asked for a transaction's coordinator is a transactional producer's.
    if (args.coordinatorType !== TRANSACTION && !this[known]) return find.call(this, args);
    const coordinators = (this[known] ??= new Map<string, number>());
    const key = `${args.coordinatorType ?? 0}:${args.groupId}`;
    const nodeId = coordinators.get(key);
    const broker = nodeId === undefined ? await find.call(this, args) : await this.findBroker({ nodeId }).catch(() => find.call(this, args));
    coordinators.set(key, broker.nodeId);
    return forgetOnFailure(broker, () => coordinators.delete(key));
  };
  proto.remembers = true;
  return true;
}

/**
 * The broker's answers that say the coordinator is elsewhere now: codes 16 and 15, under the
 * names kafkajs gives them (Kafka's own are NOT_COORDINATOR and COORDINATOR_NOT_AVAILABLE, which
 * kafkajs never uses: with those here, a moved coordinator went unrecognized).
 */
const MOVED = new Set(['NOT_COORDINATOR_FOR_GROUP', 'GROUP_COORDINATOR_NOT_AVAILABLE']);

/**
 * Whether a failed request says to look the coordinator up again: it is elsewhere now, or the
 * request never got an answer (a connection lost, a timeout). Any other answer (the previous
 * transaction still ending, a producer fenced) came from the coordinator itself.
 */
export function coordinatorLost(error: unknown): boolean {
  const type = (error as { type?: unknown } | undefined)?.type;
  return typeof type !== 'string' || MOVED.has(type);
}

/** The broker, whose requests forget the remembered coordinator when it is lost. */
function forgetOnFailure(broker: Broker, forget: () => void): Broker {
  return new Proxy(broker, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver) as unknown;
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        const result = (value as (...a: unknown[]) => unknown).apply(target, args);
        if (!(result instanceof Promise)) return result;
        return result.catch((error: unknown) => {
          if (coordinatorLost(error)) forget();
          throw error;
        });
      };
    },
  });
}
