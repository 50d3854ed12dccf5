import { subscribeToChanges } from '../../events/subscribers/subscribeToChanges';
import { parseStartPosition } from '../../events/subscribers/positionGroup';
import { createLogger } from '../../lib/logger';
import { openDataDir } from '../../runtime/openDataDir';
import type { ServiceOptions } from '../../runtime/serviceOptions';

/**
 * `usersvc subscribe --group NAME [--from earliest|latest|CURSOR]`: prints every user change as
 * one JSON line on stdout until SIGINT or SIGTERM; progress goes to stderr. At least once: a
 * restarted subscriber of the same group resumes after the last batch it printed.
 */
export async function subscribeCommand(options: ServiceOptions, group: string | undefined, from: string): Promise<number> {
  if (!group) {
    process.stderr.write('usersvc subscribe: --group NAME is required\n');
    return 2;
  }
  const logger = createLogger('warn', (line) => process.stderr.write(line));
  // Takes the data directory only when the log lives there: a Kafka subscriber may run beside a server of the same --data.
  const { log, keys, close, release } = await openDataDir(options, logger, { logOnly: true });
  const stop = new AbortController();
  process.once('SIGINT', () => stop.abort());
  process.once('SIGTERM', () => stop.abort());
  let seen = 0;
  process.stderr.write(`subscribed as group ${group} from ${from}; Ctrl-C stops\n`);
  // Caught up on the embedded log, the subscriber waits for an append of this process, which holds
  // no timer or socket: without a handle of its own, Node would end the process there.
  const keepAlive = setInterval(() => {}, 1 << 30);
  try {
    await subscribeToChanges(log, keys, {
      group,
      from: parseStartPosition(from),
      signal: stop.signal,
      onChanges: async (changes) => {
        for (const change of changes) process.stdout.write(`${JSON.stringify(change)}\n`);
        seen += changes.length;
      },
    });
  } finally {
    clearInterval(keepAlive);
    await close();
    release();
    process.stderr.write(`${seen} changes\n`);
  }
  return 0;
}
