import { execFile, execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { eventRecord } from '../../events/codec';
import Database from 'better-sqlite3';
import { EVENTS, type NewRecord } from '../../events/eventLog';
import { createClient, unary } from '../../client/userServiceClient';
import { toLambdaKafkaEvent } from '../../events/subscribers/lambdaKafkaEvent';
import { packageRoot } from '../../lib/packageRoot';
import { serviceMethods } from '../../runtime/serviceMethods';
import { loadWiring } from '../../runtime/serverlessConfig';
import { removeDir, startServer, tempDir } from '../support/serverProcess';

// osls (the open fork of the Serverless Framework) packages offline: no AWS credentials, no network.
const osls = require.resolve('osls/bin/serverless.js');
const serverlessYml = path.join(packageRoot(), 'serverless.yml');
const awsFree = (): NodeJS.ProcessEnv => Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('AWS_')));

function runOsls(args: string[], cwd: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [osls, ...args], { cwd, env: { ...awsFree(), FORCE_COLOR: '0' }, timeout: 110_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, output: `${stdout}${stderr}` });
    });
  });
}

type Resource = { Type: string; Properties: Record<string, unknown> };

/** The Lambda function resource osls names after a function of serverless.yml. */
const lambdaId = (fn: string): string => `${fn[0].toUpperCase()}${fn.slice(1)}LambdaFunction`;
const LAMBDA_START: Record<string, string> = { earliest: 'TRIM_HORIZON', latest: 'LATEST' };

function unzip(zip: string, into: string): void {
  try {
    execFileSync('unzip', ['-q', zip, '-d', into]);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new Error('this test needs Debian\'s "unzip" on the PATH to open the package');
    throw error;
  }
}

describe('serverless.yml packaged by osls', () => {
  let dir: string;
  let handler: { file: string; exportName: string } | undefined;
  beforeAll(() => (dir = tempDir('sls-package')));
  afterAll(() => removeDir(dir));

  it('keeps configValidationMode at error, so any key osls does not know fails packaging', () => {
    expect((parse(readFileSync(serverlessYml, 'utf8')) as { configValidationMode?: string }).configValidationMode).toBe('error');
  });

  it('packages offline, with the audit trail on a Kafka event source as the runtime reads it and its handler in the zip', async () => {
    const out = path.join(dir, 'package');
    const { code, output } = await runOsls(['package', '--package', out], packageRoot());
    if (code !== 0) throw new Error(`osls package exited with ${code}:\n${output}`);

    const audit = loadWiring(serverlessYml, packageRoot(), serviceMethods()).subscribers.find((s) => s.function === 'auditTrail');
    expect(audit).toBeDefined();
    const template = JSON.parse(readFileSync(path.join(out, 'cloudformation-template-update-stack.json'), 'utf8')) as { Resources: Record<string, Resource> };
    const mappings = Object.values(template.Resources).filter(
      (r) => r.Type === 'AWS::Lambda::EventSourceMapping' && JSON.stringify(r.Properties.FunctionName).includes(lambdaId('auditTrail')),
    );
    expect(mappings).toHaveLength(1);
    expect(mappings[0].Properties).toMatchObject({
      Topics: [audit!.topic],
      StartingPosition: LAMBDA_START[String(audit!.from)],
      BatchSize: audit!.batchSize,
      SelfManagedKafkaEventSourceConfig: { ConsumerGroupId: audit!.group },
      SelfManagedEventSource: { Endpoints: { KafkaBootstrapServers: [expect.any(String)] } },
    });

    // Lambda's way: "<file>.<export>" from the package root; the zip holds the build, not the sources.
    const [, file, exportName] = /^(.+)\.(\w+)$/.exec(template.Resources[lambdaId('auditTrail')].Properties.Handler as string)!;
    const unpacked = path.join(dir, 'unpacked');
    unzip(path.join(out, 'user-service.zip'), unpacked);
    expect(existsSync(path.join(unpacked, `${file}.js`))).toBe(true);
    handler = { file, exportName };
    for (const source of ['handlers/getUser.ts', 'test', 'data', 'dist/bench', 'node_modules/jest', 'node_modules/osls']) {
      expect([source, existsSync(path.join(unpacked, source))]).toEqual([source, false]);
    }
  });

  it('runs the packaged audit trail handler from the unpacked zip alone, on a Lambda Kafka event, opening it with a key the service hands out', async () => {
    if (!handler) throw new Error('no package: the packaging test above failed');
    const unpacked = path.join(dir, 'unpacked');
    // The event is sealed with the key of a user of a real server, which the handler must fetch (GetUserKeys at USERSVC_ADDR).
    const serverDir = tempDir('sls-keys');
    const server = await startServer(serverDir);
    const client = createClient(server.addr);
    let env: NodeJS.ProcessEnv;
    let record: NewRecord;
    try {
      const { response: user } = await unary(client, 'CreateUser', { email: 'a@package.example', name: 'A' });
      const { response: keys } = await unary(client, 'GetUserKeys', { ids: [user.id] });
      const key = Buffer.from(keys.keys[user.id]);
      record = eventRecord(
        { command_id: 'c1', request_id: 'r1', occurred_at: null, kind: 'user_created', user_created: { user } },
        { keyOf: (id) => (id === user.id ? key : undefined) },
      );
      env = { ...awsFree(), AUDIT_TRAIL_DB: path.join(dir, 'audit.db'), NODE_PATH: '', USERSVC_ADDR: server.addr };
    } catch (error) {
      client.close();
      await server.stop();
      removeDir(serverDir);
      throw error;
    }
    const event = toLambdaKafkaEvent([{ ...record, topic: EVENTS, partition: 0, offset: 0, timestamp: Date.now() }], '127.0.0.1:9092');
    writeFileSync(path.join(dir, 'event.json'), JSON.stringify(event));
    // A child process in the unpacked folder: it resolves modules from the package only.
    const script = `require('./${handler.file}').${handler.exportName}(JSON.parse(require('fs').readFileSync(process.argv[1], 'utf8'))).then((r) => console.log(JSON.stringify(r)))`;
    let stdout: string;
    try {
      stdout = await new Promise<string>((resolve, reject) =>
        execFile(process.execPath, ['-e', script, path.join(dir, 'event.json')], { cwd: unpacked, env, encoding: 'utf8' }, (error, out, err) =>
          error ? reject(new Error(`${error.message}\n${err}`)) : resolve(out),
        ),
      );
    } finally {
      client.close();
      expect(await server.stop()).toBe(0);
      removeDir(serverDir);
    }
    expect(JSON.parse(stdout)).toEqual({ recorded: 1 });
    // The row holds what the key opened.
    const trail = new Database(path.join(dir, 'audit.db'), { readonly: true });
    expect(trail.prepare('SELECT email FROM audit_trail').pluck().all()).toEqual(['a@package.example']);
    trail.close();
  });

  it('refuses a trigger key the local runtime would refuse too (osls exits with the key at fault)', async () => {
    const service = path.join(dir, 'misspelled');
    mkdirSync(path.join(service, 'serverless'), { recursive: true });
    writeFileSync(path.join(service, 'serverless.yml'), readFileSync(serverlessYml, 'utf8').replace('timeoutMs: 0', 'timeoutMS: 0'));
    copyFileSync(path.join(packageRoot(), 'serverless', 'localEvents.js'), path.join(service, 'serverless', 'localEvents.js'));
    const { code, output } = await runOsls(['package', '--package', path.join(service, 'out')], service);
    expect(code).not.toBe(0);
    expect(output).toMatch(/functions\.syncUsers\.events\.0\.grpc': unrecognized property 'timeoutMS'/);
  });
});
