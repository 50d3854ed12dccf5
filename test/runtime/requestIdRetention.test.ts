import { EmbeddedKeyStore } from '../../events/embedded/embeddedKeyStore';
import Database from 'better-sqlite3';
import path from 'node:path';
import { EXIT } from '../../bin/exitCodes';
import { createClient, unary } from '../../client/userServiceClient';
import { commandRecord } from '../../events/codec';
import { EmbeddedLog } from '../../events/embedded/embeddedLog';
import { COMMANDS } from '../../events/eventLog';
import { timestampFromMillis } from '../../lib/timestamp';
import type { OpenCommand } from '../../proto/messages';
import { runCli, startServer } from '../support/serverProcess';
import { useTempDirs } from '../support/tempDirs';

/**
 * Request ids are remembered for --request-id-retention, measured on the log's own clock (the
 * commands' issued_at against their outcomes' occurred_at): commands written with chosen times
 * are decided by a real server, and a rebuild of the same log gives the live checksum. Embedded
 * log only (the history is written into log.db before the server starts); the rule is the same
 * code on Kafka (lib/requestRetention.ts, the decider and the handlers know no backend).
 */
const freshDir = useTempDirs();
const HOUR = 3_600_000;
const T0 = Date.now() - 30 * 24 * HOUR;

const at = (ms: number, command_id: string, request_id: string) => ({ command_id, request_id, issued_at: timestampFromMillis(ms) });
const rename = (ms: number, command_id: string, name: string): OpenCommand => ({
  ...at(ms, command_id, 'rename'),
  kind: 'update_user',
  update_user: { user_id: 'u1', email: '', name, plan: 0, paths: ['name'], expected_version: 0 },
});

/** The history a client would leave by retrying one rename within the retention and again long after. */
async function appendHistory(dir: string): Promise<void> {
  const log = EmbeddedLog.open(dir);
  const keys = EmbeddedKeyStore.open(dir);
  await keys.create(['u1']);
  const commands: OpenCommand[] = [
    { ...at(T0, 'c1', 'create'), kind: 'create_user', create_user: { user_id: 'u1', email: 'kept@example.com', name: 'First', plan: 0 } },
    rename(T0 + 1000, 'c2', 'Second'),
    rename(T0 + 23 * HOUR, 'c3', 'Retried within'),
    rename(T0 + 25 * HOUR, 'c4', 'Retried after'),
  ];
  await log.append(
    COMMANDS,
    commands.map((c) => commandRecord(c, keys)),
  );
  await keys.close();
  await log.close();
}

describe('request-id retention', () => {
  it('answers a retry within the retention from its first outcome, applies one after it as new, and rebuilds to the same checksum', async () => {
    const dir = freshDir('retention');
    await appendHistory(dir);
    const server = await startServer(dir, ['--request-id-retention', '24h']);
    const client = createClient(server.addr);
    try {
      let user = (await unary(client, 'GetUser', { id: 'u1' }, { metadata: { 'users-consistency': 'strong' } })).response;
      for (let tries = 0; user.version < 3 && tries < 50; tries++) {
        await new Promise((r) => setTimeout(r, 100));
        user = (await unary(client, 'GetUser', { id: 'u1' })).response;
      }
      // c2 renamed (version 2); c3 was its retry within 24 h: nothing; c4, 25 h on: applied again.
      expect(user).toMatchObject({ name: 'Retried after', version: 3 });
      // Decided 30 days ago: a retry now is a new request (here refused: the email is the first one's).
      await expect(unary(client, 'CreateUser', { email: 'kept@example.com', name: 'First', request_id: 'create' })).rejects.toMatchObject({ code: 6 });
      // Within the retention, as always: the first outcome.
      const first = await unary(client, 'CreateUser', { email: 'fresh@example.com', name: 'Fresh', request_id: 'fresh' });
      const again = await unary(client, 'CreateUser', { email: 'fresh@example.com', name: 'Fresh', request_id: 'fresh' });
      expect(again.response).toEqual(first.response);
    } finally {
      client.close();
      await server.stop();
    }
    const live = await runCli(['checksum', '--data', dir]);
    const rebuilt = await runCli(['rebuild', '--data', dir, '--request-id-retention', '24h']);
    expect(rebuilt).toMatchObject({ code: 0, stdout: live.stdout });

    // Pruned at the next start: the outcomes of 30 days ago are gone from the file, the checksum is unchanged.
    const restarted = await startServer(dir, ['--request-id-retention', '24h']);
    const outcomesOf30DaysAgo = () => {
      const db = new Database(path.join(dir, 'views.db'), { readonly: true });
      try {
        return (db.prepare("SELECT COUNT(*) FROM outcomes WHERE command_id IN ('c1', 'c2', 'c3', 'c4')").pluck().get() as number) ?? 0;
      } finally {
        db.close();
      }
    };
    try {
      for (let tries = 0; outcomesOf30DaysAgo() > 0 && tries < 50; tries++) await new Promise((r) => setTimeout(r, 100));
      expect(outcomesOf30DaysAgo()).toBe(0);
    } finally {
      await restarted.stop();
    }
    expect((await runCli(['checksum', '--data', dir])).stdout).toBe(live.stdout);
  });

  it('refuses a retention shorter than the client library resends a write', async () => {
    const run = await runCli(['rebuild', '--data', freshDir('retention'), '--request-id-retention', '5m']);
    expect(run.code).toBe(EXIT.CONFIG);
    expect(run.stderr).toMatch(/--request-id-retention must be at least 10m, how long the client library resends a write with the same request_id; got "5m"/);
  });
});
