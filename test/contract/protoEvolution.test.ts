import { memoryKeys } from '../support/memoryKeys';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { decodeCommand, decodeEvent } from '../../events/codec';
import type { LogRecord } from '../../events/eventLog';

const root = path.join(__dirname, '..', '..');
const buf = path.join(root, 'node_modules', '.bin', 'buf');
const BASELINE = path.join(root, 'contract', 'released-0.1.0.json');

/** Runs buf in `cwd`; resolves to its exit code and what it printed. */
function runBuf(args: string[], cwd = root): { code: number; output: string } {
  try {
    return { code: 0, output: execFileSync(buf, args, { cwd, encoding: 'utf8', stdio: 'pipe' }) };
  } catch (error) {
    const failed = error as { status: number; stdout: string; stderr: string };
    return { code: failed.status, output: failed.stdout + failed.stderr };
  }
}

/** A copy of the repo's buf module with `edit` applied to one file, checked against the baseline. */
function breakingAfter(file: string, edit: (text: string) => string) {
  const dir = mkdtempSync(path.join(tmpdir(), 'usersvc-proto-'));
  try {
    cpSync(path.join(root, 'proto'), path.join(dir, 'proto'), { recursive: true, filter: (src) => !src.endsWith('.ts') });
    cpSync(path.join(root, 'buf.yaml'), path.join(dir, 'buf.yaml'));
    const target = path.join(dir, 'proto', file);
    const before = readFileSync(target, 'utf8');
    const after = edit(before);
    expect(after).not.toBe(before); // the edit must have hit
    writeFileSync(target, after);
    return runBuf(['breaking', '--against', BASELINE], dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('the contract in proto/', () => {
  it('passes buf lint', () => {
    const { code, output } = runBuf(['lint']);
    expect(output).toBe('');
    expect(code).toBe(0);
  });

  it('has no breaking change against the last released contract', () => {
    const { code, output } = runBuf(['breaking', '--against', BASELINE]);
    expect(output).toBe('');
    expect(code).toBe(0);
  });

  it('fails the check when a field of User is deleted', () => {
    const { code, output } = breakingAfter('user_service.proto', (text) => text.replace('  string name = 3;\n  UserPlan plan = 4;', '  UserPlan plan = 4;'));
    expect(code).not.toBe(0);
    expect(output).toMatch(/Previously present field "3" with name "name" on message "User" was deleted/);
  });

  it('fails the check when a field is renumbered', () => {
    const { code, output } = breakingAfter('user_service.proto', (text) => text.replace('message GetUserRequest {\n  string id = 1;', 'message GetUserRequest {\n  string id = 9;'));
    expect(code).not.toBe(0);
    expect(output).toMatch(/"1" with name "id" on message "GetUserRequest" was deleted/);
  });

  it('fails the check when an event on the log changes a field type', () => {
    const { code, output } = breakingAfter('user_log.proto', (text) => text.replace('  int32 code = 1;\n  string reason = 2;', '  string code = 1;\n  string reason = 2;'));
    expect(code).not.toBe(0);
    expect(output).toMatch(/Field "1" with name "code" on message "CommandRejected" changed type from "int32" to "string"/);
  });

  it('fails the check when a JSON name changes (REST clients read them)', () => {
    const { code, output } = breakingAfter('user_service.proto', (text) => text.replace('google.protobuf.Timestamp created_at = 5;', 'google.protobuf.Timestamp created = 5;'));
    expect(code).not.toBe(0);
    expect(output).toMatch(/changed name from "created_at" to "created"/);
  });
});

describe('records written by release 0.1.0', () => {
  const fixture = JSON.parse(readFileSync(path.join(root, 'test', 'fixtures', 'log-records-0.1.0.json'), 'utf8')) as {
    commands: { base64: string; value: Record<string, unknown> }[];
    events: { base64: string; value: Record<string, unknown> }[];
  };
  const record = (base64: string): LogRecord => ({ topic: 'fixture', partition: 0, offset: 0, key: '', value: Buffer.from(base64, 'base64'), headers: {}, timestamp: 0 });

  it.each(fixture.commands.map((c) => [Object.keys(c.value).pop(), c] as const))('still decode: command %s', (_kind, { base64, value }) => {
    expect(decodeCommand(record(base64), memoryKeys())).toMatchObject(value);
  });

  it.each(fixture.events.map((e) => [Object.keys(e.value).pop(), e] as const))('still decode: event %s', (_kind, { base64, value }) => {
    expect(decodeEvent(record(base64), memoryKeys())).toMatchObject(value);
  });
});
