import { copyFileSync, existsSync, mkdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { clientStream, createClient, serverStream, unary } from '../../client/userServiceClient';
import type { UserPlan } from '../../proto/messages';
import { backendArgs, removeDir, runCli, startServer, tempDir } from './serverProcess';

const made: string[] = [];
const newDir = (label: string) => {
  const dir = tempDir(label);
  made.push(dir);
  return dir;
};
/** Removes every directory this module made. */
export const removeDirs = () => made.splice(0).forEach(removeDir);

/** How a damaged data directory ended; anything else (a wrong answer served) fails the test. */
export type Ending = 'healed' | 'refused' | 'unaffected';

/** A data directory of users made through a real server, stopped cleanly, with what it held. */
export interface Pristine {
  dir: string;
  /** The flags that reach this directory's log (on Kafka, its topics: copies share them). */
  backend: string[];
  /** Every user as ListUsers returned it, in id order. */
  users: Array<{ id: string; email: string }>;
  requests: object[];
  checksum: string;
}

export const checksumOf = async (args: string[]): Promise<string> => {
  const run = await runCli(args);
  if (run.code !== 0) throw new Error(`usersvc ${args.join(' ')} exited ${run.code}: ${run.stderr}`);
  return /checksum ([0-9a-f]{64})/.exec(run.stdout)![1];
};

/** Creates `count` users through ImportUsers on a real server, then stops it with SIGTERM (views checkpointed). */
export async function makePristine(label: string, count: number): Promise<Pristine> {
  const dir = newDir(label);
  const backend = backendArgs(dir);
  const server = await startServer(dir);
  const client = createClient(server.addr);
  const requests = Array.from({ length: count }, (_, i) => ({
    email: `${label}-${i}@example.com`,
    name: `User ${i} of ${label}`,
    plan: (1 + (i % 3)) as UserPlan,
    request_id: `${label}-${i}`,
  }));
  const imported = await clientStream(client, 'ImportUsers', requests, { timeoutMs: 60_000 });
  if (Number(imported.created) !== count) throw new Error(`import created ${imported.created} of ${count}: ${JSON.stringify(imported.errors)}`);
  const { messages: users } = await serverStream(client, 'ListUsers', {});
  client.close();
  const stopped = await server.stop();
  if (stopped !== 0) throw new Error(`server exited ${stopped}:\n${server.output()}`);
  return { dir, backend, users, requests, checksum: await checksumOf(['checksum', '--data', dir]) };
}

/** The files a copy carries: the log, its keys and the views (audit.db belongs to an example subscriber). */
const DATA_FILES = ['log.db', 'keys.db', 'views.db', 'decider.db'];

/**
 * A copy of a stopped data directory, to damage. Its write-ahead logs must be empty: a clean stop
 * checkpoints them, so the damage done to the main files is all there is. The copy keeps the
 * directory's name (inside a new one), so on Kafka it reaches the same topics.
 */
export function copyDataDir(from: string, label: string): string {
  const to = path.join(newDir(label), path.basename(from));
  mkdirSync(to);
  for (const name of DATA_FILES.filter((file) => existsSync(path.join(from, file)))) {
    const wal = path.join(from, `${name}-wal`);
    if (existsSync(wal) && statSync(wal).size > 0) throw new Error(`${wal} is not empty: the server did not stop cleanly`);
    copyFileSync(path.join(from, name), path.join(to, name));
  }
  if (!existsSync(path.join(to, 'views.db'))) throw new Error(`no views.db in ${from}`);
  return to;
}

/**
 * Every user reads back exactly as created: the whole list, each one by id (the primary key's
 * look-up, not a scan), and a retry of every create with its request id returns its first outcome
 * without appending anything (the outcomes' indexes).
 */
export async function expectUsersAsCreated(addr: string, pristine: Pristine): Promise<void> {
  const client = createClient(addr);
  try {
    const { messages } = await serverStream(client, 'ListUsers', {});
    expect(messages).toEqual(pristine.users);
    for (let i = 0; i < pristine.users.length; i += 200) {
      const chunk = pristine.users.slice(i, i + 200);
      const read = await Promise.all(chunk.map((user) => unary(client, 'GetUser', { id: user.id }).then((r) => r.response)));
      expect(read).toEqual(chunk);
    }
    const retried = await clientStream(client, 'ImportUsers', pristine.requests, { timeoutMs: 60_000 });
    expect({ created: Number(retried.created), failed: Number(retried.failed) }).toEqual({ created: pristine.users.length, failed: 0 });
  } finally {
    client.close();
  }
}

/** Counts how the cases ended, and prints the tally when the suite is done. */
export function createTally(title: string) {
  const endings: Array<{ name: string; ending: Ending; detail: string }> = [];
  return {
    add: (name: string, ending: Ending, detail = '') => endings.push({ name, ending, detail }),
    count: (ending: Ending) => endings.filter((e) => e.ending === ending).length,
    print: () => {
      const lines = endings.map((e) => `  ${e.ending.padEnd(10)} ${e.name}${e.detail ? `: ${e.detail}` : ''}`);
      process.stdout.write(`${title}\n${lines.join('\n')}\n`);
    },
  };
}
