import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { packageRoot } from '../../lib/packageRoot';
import { serviceMethods } from '../../runtime/serviceMethods';
import { loadWiring, ServerlessConfigError } from '../../runtime/serverlessConfig';
import { removeDir, tempDir } from '../support/serverProcess';

const original = readFileSync(path.join(packageRoot(), 'serverless.yml'), 'utf8');
const codeRoot = packageRoot();

describe('serverless.yml wiring', () => {
  let dir: string;
  beforeEach(() => (dir = tempDir('sls')));
  afterEach(() => removeDir(dir));

  const load = (text: string) => {
    const file = path.join(dir, 'serverless.yml');
    writeFileSync(file, text);
    return () => loadWiring(file, codeRoot, serviceMethods());
  };

  it('binds all ten RPCs and the decider and projector', () => {
    const wiring = load(original)();
    expect(wiring.rpcs.map((r) => r.method).sort()).toEqual([
      'CreateUser',
      'DeleteUser',
      'EraseUser',
      'GetUser',
      'GetUserKeys',
      'ImportUsers',
      'ListUsers',
      'SyncUsers',
      'UpdateUser',
      'WatchUsers',
    ]);
    expect(wiring.rpcs.find((r) => r.method === 'SyncUsers')).toMatchObject({ kind: 'bidi', timeoutMs: 0 });
    expect(wiring.rpcs.find((r) => r.method === 'WatchUsers')).toMatchObject({ kind: 'serverStream', timeoutMs: 0 });
    expect(wiring.logFunctions.map((f) => [f.function, f.trigger.topic])).toEqual([
      ['decider', 'users.commands'],
      ['projector', 'users.events'],
    ]);
    expect(wiring.subscribers).toEqual([
      expect.objectContaining({ function: 'auditTrail', topic: 'users.events', group: 'usersvc-audit-trail', batchSize: 100, from: 'earliest' }),
    ]);
  });

  it.each([
    [
      'a misspelled handler file',
      original.replace('handlers/getUser.getUser', 'handlers/getUsr.getUser'),
      /function "getUser": cannot load handler file "dist\/handlers\/getUsr"/,
    ],
    [
      'a handler outside the build',
      original.replace('dist/handlers/getUser.getUser', 'handlers/getUser.getUser'),
      /function "getUser": "handler" must read "dist\/<file>.<export>"/,
    ],
    ['a misspelled export', original.replace('handlers/getUser.getUser', 'handlers/getUser.fetchUser'), /has no export "fetchUser"/],
    ['a misspelled method', original.replace('method: GetUser', 'method: GetUsers'), /grpc method "GetUsers" is not in the service/],
    ['a missing function', original.replace(/ {2}getUser:\n(.*\n){4}/, ''), /RPC GetUser \(handler getUser in handlers\/userService.ts\) has no function/],
    [
      'a function whose handler is not the one declared for its RPC',
      original.replace('dist/handlers/getUser.getUser', 'dist/handlers/listUsers.listUsers'),
      /function "getUser": its handler \(listUsers\) is not the one handlers\/userService.ts declares for GetUser \(getUser\)/,
    ],
    ['an RPC bound twice', original.replace('method: UpdateUser', 'method: GetUser'), /function "updateUser": its handler \(updateUser\) is not the one/],
    ['an unknown trigger', original.replace('- grpc:\n          method: GetUser', '- http:\n          method: GetUser'), /unknown trigger "http"/],
    ['a misspelled trigger key', original.replace('timeoutMs: 0', 'timeoutMS: 0'), /function "syncUsers": a grpc trigger has no "timeoutMS"/],
    [
      'a log trigger key it does not know',
      original.replace('group: usersvc-decider', 'consumerGroupId: usersvc-decider'),
      /function "decider": a log trigger has no "consumerGroupId"/,
    ],
    ['a misspelled topic', original.replace('topic: users.commands', 'topic: user.commands'), /log topic must be/],
    ['no functions', 'service: x\n', /no "functions" map/],
    [
      'a bad starting position',
      original.replace('startingPosition: TRIM_HORIZON', 'startingPosition: OLDEST'),
      /startingPosition must be TRIM_HORIZON or LATEST/,
    ],
  ])('refuses %s with a message naming it', (_, text, message) => {
    expect(load(text)).toThrow(ServerlessConfigError);
    expect(load(text)).toThrow(message);
  });
});
