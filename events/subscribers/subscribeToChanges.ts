import { EVENTS, type EventLog } from '../eventLog';
import type { KeyStore } from '../sealing/keyStore';
import { positionGroup, type StartPosition } from './positionGroup';
import { userChangeOf, type UserChange } from './userChange';

export interface SubscribeOptions {
  /** The consumer group: members share the partitions, and the group remembers how far it got. */
  group: string;
  /**
   * Where a group that never committed starts: `earliest` (all history) or `latest` (only
   * changes from now). A cursor moves the group there even if it had committed further.
   */
  from: StartPosition;
  signal: AbortSignal;
  maxBatch?: number;
  /** Called with each batch of changes in log order per user; the position is committed after it returns. */
  onChanges(changes: UserChange[]): Promise<void>;
}

/**
 * Consumes every user change, at least once: a batch is committed only after `onChanges`
 * returns, so a crash redelivers it. Use `version` to skip what was already seen.
 */
export async function subscribeToChanges(log: EventLog, keys: KeyStore, options: SubscribeOptions): Promise<void> {
  const { group, signal } = options;
  await positionGroup(log, group, EVENTS, options.from);
  await log.consume(
    group,
    EVENTS,
    {
      prepare: async () => {},
      handle: async (batch) => {
        await keys.refresh(new Set(batch.records.map((r) => r.key)));
        const changes = batch.records.map((r) => userChangeOf(r, keys)).filter((c): c is UserChange => c !== undefined);
        if (changes.length > 0) await options.onChanges(changes);
      },
      commitAfterHandle: true,
    },
    { signal, maxBatch: options.maxBatch },
  );
}
