import SwaggerParser from '@apidevtools/swagger-parser';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { packageRoot } from '../../lib/packageRoot';
import { CURSOR } from '../support/cursorPattern';
import { request } from '../support/httpClient';
import { CLIENT_PROGRAM } from '../support/openApiClientProgram';
import { removeDir, startServer, tempDir, type ServerProcess } from '../support/serverProcess';

/**
 * The /openapi.json a real gateway serves, given to the tools people point at such documents:
 * a validator, a linter, and a client generator whose output a strict program compiles against
 * and then uses on the same gateway. Each tool runs offline (test/support/loopbackOnly.js).
 */
const ROOT = packageRoot();
const LOOPBACK_ONLY = path.join(ROOT, 'test', 'support', 'loopbackOnly.js');
let dir: string;
let server: ServerProcess;
let base: string;
let docFile: string;

beforeAll(async () => {
  dir = tempDir('openapi-tools');
  server = await startServer(dir);
  base = `http://${server.httpAddr}`;
  const answer = await request(base, 'GET', '/openapi.json');
  expect(answer.status).toBe(200);
  docFile = path.join(dir, 'openapi.json');
  writeFileSync(docFile, answer.text);
});

afterAll(async () => {
  await server.stop();
  removeDir(dir);
});

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `file` to completion with only loopback reachable; never rejects, the test reads the code. */
function run(file: string, args: string[], options: { cwd?: string; env?: Record<string, string> } = {}): Promise<Run> {
  const env = { ...process.env, ...options.env, NODE_OPTIONS: `--require ${LOOPBACK_ONLY}` };
  return new Promise((resolve) => {
    execFile(file, args, { cwd: options.cwd ?? dir, env, maxBuffer: 16 << 20 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
      resolve({ code, stdout, stderr: error && code === -1 ? `${stderr}${error.message}` : stderr });
    });
  });
}

/** A devDependency's command; a missing one fails the test, naming the fix. */
function bin(name: string): string {
  const file = path.join(ROOT, 'node_modules', '.bin', name);
  if (!existsSync(file)) throw new Error(`${file} is missing: it comes with the devDependencies (npm ci)`);
  return file;
}

it('is valid OpenAPI 3.0.3 for @apidevtools/swagger-parser', async () => {
  await expect(SwaggerParser.validate(docFile)).resolves.toMatchObject({ openapi: '3.0.3' });
});

it('passes redocly lint (recommended rules) without errors, and without going online', async () => {
  const env = { REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' };
  const lint = await run(bin('redocly'), ['lint', docFile, '--config', path.join(ROOT, 'redocly.yaml'), '--format=json'], { env });
  expect(lint.stderr).not.toContain('loopbackOnly');
  const report = JSON.parse(lint.stdout) as { problems: { severity: string; ruleId: string; message: string; location: { pointer: string }[] }[] };
  const problems = report.problems.map((p) => `${p.severity} ${p.ruleId} ${p.location[0]?.pointer}: ${p.message}`);
  expect(problems.filter((p) => p.startsWith('error'))).toEqual([]);
  // The one warning left: package.json's license is UNLICENSED, which has no URL to give.
  expect(problems).toEqual(['warn info-license-strict #/info/license/url: License object should contain `url` field.']);
  expect(lint.code).toBe(0);
});

it('generates types with openapi-typescript that a strict openapi-fetch program compiles against and uses', async () => {
  const work = path.join(dir, 'client');
  mkdirSync(work);
  symlinkSync(path.join(ROOT, 'node_modules'), path.join(work, 'node_modules'), 'dir');
  const generate = await run(bin('openapi-typescript'), [`${base}/openapi.json`, '--output', path.join(work, 'schema.ts')], { cwd: work });
  expect(`${generate.code} ${generate.stderr}`).toBe('0 ');
  expect(generate.stdout).toContain('schema.ts');

  expect(CLIENT_PROGRAM).not.toMatch(/\bany\b|\bas\s|[\w)\]]!(?!=)/); // no any, no cast, no non-null assertion
  writeFileSync(path.join(work, 'client.ts'), CLIENT_PROGRAM);
  const tsconfig = { extends: path.join(ROOT, 'tsconfig.json'), compilerOptions: { rootDir: '.', outDir: 'out', sourceMap: false }, include: ['*.ts'] };
  writeFileSync(path.join(work, 'tsconfig.json'), JSON.stringify(tsconfig));
  const tsc = await run(bin('tsc'), ['-p', work], { cwd: work });
  expect(`${tsc.code} ${tsc.stdout}${tsc.stderr}`).toBe('0 ');

  const email = `${Math.random().toString(36).slice(2, 10)}@openapi-fetch.example`;
  const client = await run(process.execPath, [path.join(work, 'out', 'client.js'), base, email], { cwd: work });
  expect(`${client.code} ${client.stderr}`).toBe('0 ');
  const seen = JSON.parse(client.stdout);
  const id = seen.created.id as string;
  expect(seen).toEqual({
    created: {
      id: expect.stringMatching(/^[\w-]{21}$/),
      email,
      plan: 'USER_PLAN_PRO',
      version: '1',
      requestId: 'openapi-fetch-create',
      cursor: expect.stringMatching(CURSOR),
    },
    got: { status: 200, name: 'Ada' },
    updated: { status: 200, name: 'Ada Lovelace', version: '2' },
    list: { emails: [email], names: ['Ada Lovelace'], usersCursor: expect.stringMatching(CURSOR) },
    stale: { status: 409, code: 10 },
    deleted: { status: 200, id, version: '3' },
    missing: { status: 404, code: 5 },
  });
});
