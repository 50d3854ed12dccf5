import { createClient } from '../../client/userServiceClient';

/**
 * Reads WatchUsers from the start of the log (a cursor at offset 0 of every partition) on one
 * replica until it reports CaughtUp, and checks that each (user, version) in the log arrives
 * exactly once and each user's changes arrive in the order of their versions.
 */
export async function checkFeed(addr: string, startCursor: string, expected: Set<string>, timeoutMs = 60_000): Promise<string[]> {
  const client = createClient(addr);
  const seen = new Map<string, number>();
  const lastVersion = new Map<string, number>();
  const findings: string[] = [];
  try {
    await new Promise<void>((resolve, reject) => {
      const call = client.WatchUsers({ cursor: startCursor }, { deadline: new Date(Date.now() + timeoutMs) });
      call.on('data', (m: { kind?: string; event?: { type: number; user: { id: string; version: number } }; caught_up?: unknown }) => {
        if (m.caught_up) {
          call.cancel();
          return resolve();
        }
        if (!m.event) return;
        const { id, version } = m.event.user;
        const v = Number(version);
        const key = `${id}@${v}`;
        seen.set(key, (seen.get(key) ?? 0) + 1);
        if (v <= (lastVersion.get(id) ?? 0)) findings.push(`feed on ${addr}: ${id} version ${v} after ${lastVersion.get(id)}`);
        lastVersion.set(id, v);
      });
      call.on('error', (e: Error & { code?: number }) => (e.code === 1 ? resolve() : reject(e)));
    });
  } finally {
    client.close();
  }
  for (const [key, n] of seen) if (n > 1) findings.push(`feed on ${addr}: ${key} delivered ${n} times`);
  for (const key of expected) if (!seen.has(key)) findings.push(`feed on ${addr}: ${key} never delivered`);
  for (const key of seen.keys()) if (!expected.has(key)) findings.push(`feed on ${addr}: ${key} delivered but not in the log`);
  return findings;
}
