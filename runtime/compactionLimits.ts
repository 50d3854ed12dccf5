import { existsSync } from 'node:fs';
import path from 'node:path';
import type { CompactionLimits } from '../events/compaction/compactLog';
import { COMMANDS, EVENTS, type EventLog } from '../events/eventLog';
import { Cursor } from '../lib/cursor';
import { packageRoot } from '../lib/packageRoot';
import { openDatabase } from '../store/openDatabase';
import { readAppliedCursor } from '../store/projection';
import { dataFiles } from './dataFiles';
import { serviceMethods } from './serviceMethods';
import { loadWiring } from './serverlessConfig';

/** A position a compaction may not pass, and whose it is (for the operator). */
interface Holder {
  who: string;
  cursor: Cursor;
}

/**
 * How far a compaction of this data directory may go: no further than any fold of the service
 * has got, so none of them ever finds the log trimmed under it. Events: the view's applied cursor
 * (and decider.db's), and every consumer group serverless.yml names on `users.events` (the audit
 * trail); commands: the decider's group. A group that never committed holds everything back.
 * Returns the limits and who set each, which the command prints.
 */
export async function compactionLimits(log: EventLog, dataDir: string): Promise<{ limits: CompactionLimits; heldBy: string[] }> {
  const wiring = loadWiring(path.join(packageRoot(), 'serverless.yml'), path.resolve(__dirname, '..'), serviceMethods());
  const groups = [
    ...wiring.logFunctions.flatMap((b) => (b.trigger.group ? [{ group: b.trigger.group, topic: b.trigger.topic }] : [])),
    ...wiring.subscribers.map((b) => ({ group: b.group, topic: b.topic })),
  ];
  const holders = new Map<string, Holder[]>([
    [EVENTS, foldCursors(dataDir)],
    [COMMANDS, []],
  ]);
  for (const { group, topic } of groups) holders.get(topic)?.push({ who: `group ${group}`, cursor: await log.committed(group, topic) });
  // An empty cursor (a group that never committed) names no offset: it holds its topic back at 0.
  const limitOf = async (topic: string) =>
    holders.get(topic)!.reduce((limit, h) => limit.min(h.cursor.isEmpty() ? Cursor.of([[0, 0]]) : h.cursor), (await log.bounds(topic)).end);
  const [events, commands] = [await limitOf(EVENTS), await limitOf(COMMANDS)];
  const heldBy = [EVENTS, COMMANDS].flatMap((topic) => holders.get(topic)!.map((h) => `${topic}: ${h.who} at ${h.cursor.isEmpty() ? 'the start' : h.cursor}`));
  return { limits: { events, commands }, heldBy };
}

/** The views' applied cursors: a view is rebuilt from the snapshot only when it is empty. */
function foldCursors(dataDir: string): Holder[] {
  const files = dataFiles(dataDir);
  return [files.view, files.deciderState]
    .filter((file) => existsSync(file))
    .map((file) => {
      const db = openDatabase(file, { readonly: true });
      try {
        return { who: path.basename(file), cursor: readAppliedCursor(db) };
      } finally {
        db.close();
      }
    });
}
