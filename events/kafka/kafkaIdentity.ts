import { Cursor } from '../../lib/cursor';
import { newIdentity } from '../embedded/logSchema';
import type { EventLog } from '../eventLog';
import { readToEnd } from '../readToEnd';

/** A topic of one partition, kept forever, whose first record names the log (see EventLog.identity). */
export const META = 'users.meta';
const IDENTITY_KEY = 'identity';

/**
 * The identity of the log on a cluster: the first identity record of `users.meta`, written by the
 * first replica that finds none. Replicas starting together may each write one; all of them then
 * read the first, so they agree. Deleting and re-creating the topics makes a new log, with a new
 * identity, as it should: the old cursors name events that are gone.
 */
export async function establishIdentity(log: Pick<EventLog, 'append' | 'bounds' | 'read'>): Promise<string> {
  const { end } = await boundsOfNewTopic(log);
  if (end.get(0) === 0) await log.append(META, [{ key: IDENTITY_KEY, value: Buffer.from(newIdentity()) }]);
  let identity: string | undefined;
  await readToEnd(log as EventLog, META, Cursor.empty, (batch) => {
    identity ??= batch.records.find((r) => r.key === IDENTITY_KEY)?.value.toString();
  });
  if (!identity) throw new Error(`${META} holds no identity record`);
  return identity;
}

/** A topic created a moment ago may have no leader known to every broker yet (NOT_LEADER_OR_FOLLOWER): asked again shortly. */
async function boundsOfNewTopic(log: Pick<EventLog, 'bounds'>, attempts = 25): Promise<{ start: Cursor; end: Cursor }> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await log.bounds(META);
    } catch (error) {
      if (attempt >= attempts) throw error;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}
