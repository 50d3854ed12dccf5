import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fromBinary } from '@bufbuild/protobuf';
import { FileDescriptorProtoSchema } from '@bufbuild/protobuf/wkt';
import { Code } from '../../lib/code';
import { serviceMethods } from '../../runtime/serviceMethods';
import { bufCurl, jsonMessages } from '../support/bufCurl';
import { pythonProtobufEnv } from '../support/debianTool';
import { createReflectionClient, type ReflectionClient, type ReflectionVersion } from '../support/reflectionClient';
import { removeDir, startServer, tempDir, type ServerProcess } from '../support/serverProcess';

const SERVICES = ['grpc.health.v1.Health', 'grpc.reflection.v1.ServerReflection', 'grpc.reflection.v1alpha.ServerReflection', 'userservice.UserService'];
const USER_METHODS = [...serviceMethods().keys()].sort();

let dir: string;
let server: ServerProcess;
const url = (method = '') => `http://${server.addr}/${method}`;
const unique = () => Math.random().toString(36).slice(2, 10);

beforeAll(async () => {
  dir = tempDir('reflection');
  server = await startServer(dir);
});

afterAll(async () => {
  expect(await server.stop()).toBe(0);
  removeDir(dir);
});

describe('buf curl with the schema from reflection alone', () => {
  it('lists the services and every method, and checks health', async () => {
    const services = await bufCurl(['--list-services', url()]);
    expect(services).toMatchObject({ code: 0, stderr: '' });
    expect(services.stdout.trim().split('\n')).toEqual(SERVICES);
    const methods = await bufCurl(['--list-methods', url()]);
    expect(methods).toMatchObject({ code: 0, stderr: '' });
    const userMethods = methods.stdout
      .trim()
      .split('\n')
      .filter((line) => line.startsWith('userservice.UserService/'));
    expect(userMethods).toEqual(USER_METHODS.map((method) => `userservice.UserService/${method}`));
    expect(methods.stdout).toContain('grpc.health.v1.Health/Check');
    const health = await bufCurl(['-d', '{"service":"userservice.UserService"}', url('grpc.health.v1.Health/Check')]);
    expect(health).toMatchObject({ code: 0, stderr: '' });
    expect(jsonMessages(health.stdout)).toEqual([{ status: 'SERVING' }]);
  });

  it('calls every method of UserService, streams included', async () => {
    const called = new Set<string>();
    /** A unary or server-streaming call takes its request as `-d JSON`; a client stream reads its messages from stdin. */
    const call = async (method: string, request: object | object[], extra: string[] = []) => {
      called.add(method);
      const stdin = Array.isArray(request) ? request.map((message) => JSON.stringify(message)).join('\n') : undefined;
      const result = await bufCurl([...extra, '-d', stdin === undefined ? JSON.stringify(request) : '@-', url(`userservice.UserService/${method}`)], stdin);
      return { ...result, messages: jsonMessages(result.stdout) };
    };
    const email = `${unique()}@example.com`;
    const created = await call('CreateUser', { email, name: 'Ada', plan: 'USER_PLAN_PRO' });
    expect(created).toMatchObject({ code: 0, messages: [{ email, name: 'Ada', plan: 'USER_PLAN_PRO', version: '1' }] });
    const { id } = created.messages[0];
    expect(await call('GetUser', { id })).toMatchObject({ code: 0, messages: [created.messages[0]] });
    const updated = await call('UpdateUser', { user: { id, name: 'Ada L.' }, updateMask: 'name', expectedVersion: '1' });
    expect(updated).toMatchObject({ code: 0, messages: [{ id, name: 'Ada L.', version: '2' }] });

    const imported = await call(
      'ImportUsers',
      [1, 2, 3].map((n) => ({ email: `${unique()}-${n}@example.com`, name: `Imported ${n}` })),
    );
    expect(imported).toMatchObject({ code: 0, messages: [{ created: 3 }] });
    const listed = await call('ListUsers', { pageSize: 100 });
    expect(listed.code).toBe(0);
    expect(listed.messages.map((user) => user.name).sort()).toEqual(['Ada L.', 'Imported 1', 'Imported 2', 'Imported 3']);

    // SyncUsers with writes only ends once the client has closed its side and the writes are answered.
    const synced = await call('SyncUsers', [
      { change: { requestId: `sync-${unique()}`, op: 'CHANGE_OP_CREATE', user: { email: `${unique()}@example.com`, name: 'Synced' } } },
    ]);
    expect(synced).toMatchObject({ code: 0, messages: [{ result: { user: { name: 'Synced', version: '1' } } }] });
    // WatchUsers is a feed that stays open: a 2 s deadline ends it, after the snapshot has come.
    const watched = await call('WatchUsers', { filter: `email : "${email}"` }, ['--timeout', '2s']);
    expect(watched.code).toBe(Code.DEADLINE_EXCEEDED << 3);
    expect(watched.messages).toEqual([
      { event: expect.objectContaining({ type: 'CHANGE_TYPE_SNAPSHOT', user: updated.messages[0] }) },
      { caughtUp: { cursor: expect.any(String) } },
    ]);

    const deleted = await call('DeleteUser', { id, expectedVersion: '2' });
    expect(deleted).toMatchObject({ code: 0, messages: [{ id, version: '3' }] });
    const gone = await call('GetUser', { id });
    expect(gone.code).toBe(Code.NOT_FOUND << 3);
    const key = await call('GetUserKeys', { ids: [id] });
    expect(key).toMatchObject({ code: 0, messages: [{ keys: { [id]: expect.any(String) } }] });
    expect(await call('EraseUser', { id })).toMatchObject({ code: 0, messages: [{ id }] });
    expect(await call('GetUserKeys', { ids: [id] })).toMatchObject({ code: 0, messages: [{ erased: [id] }] });
    expect([...called].sort()).toEqual(USER_METHODS);
  });
});

describe.each<ReflectionVersion>(['v1', 'v1alpha'])('reflection %s read by a grpc-js client', (version) => {
  let client: ReflectionClient;
  beforeEach(() => (client = createReflectionClient(server.addr, version)));
  afterEach(() => client.close());

  /** Every file reachable from the listed services, the way a client fills in missing imports. */
  async function fetchAllFiles(): Promise<Map<string, Buffer>> {
    const files = new Map<string, Buffer>();
    const keep = (answer: Awaited<ReturnType<ReflectionClient['ask']>>) => {
      expect(answer.error_response).toBeUndefined();
      for (const bytes of answer.file_descriptor_response!.file_descriptor_proto) files.set(fromBinary(FileDescriptorProtoSchema, bytes).name, bytes);
    };
    for (const service of SERVICES) keep(await client.ask({ file_containing_symbol: service }));
    let missing: string[];
    while ((missing = importsOf(files).filter((name) => !files.has(name))).length > 0) {
      for (const name of missing) keep(await client.ask({ file_by_filename: name }));
    }
    return files;
  }

  it('lists the services the server serves', async () => {
    const answer = await client.ask({ list_services: '*' });
    expect(answer.list_services_response!.service.map((s) => s.name).sort()).toEqual(SERVICES);
  });

  it('returns the real files, with their real names and imports, which Python protobuf accepts', async () => {
    const files = await fetchAllFiles();
    const described = descriptorPool([...files.values()], SERVICES);
    expect(described['userservice.UserService'].map((m) => m.name).sort()).toEqual(USER_METHODS);
    expect(described['userservice.UserService'].find((m) => m.name === 'SyncUsers')).toEqual({
      name: 'SyncUsers',
      input: 'userservice.UserUpdate',
      output: 'userservice.SyncResult',
      client_streaming: true,
      server_streaming: true,
    });
    expect([...files.keys()]).toEqual(
      expect.arrayContaining([
        'user_service.proto',
        'google/api/annotations.proto',
        'google/api/http.proto',
        'google/protobuf/descriptor.proto',
        'grpc/health/v1/health.proto',
      ]),
    );
    const userService = fromBinary(FileDescriptorProtoSchema, files.get('user_service.proto')!);
    expect(userService.dependency).toEqual(['google/api/annotations.proto', 'google/protobuf/field_mask.proto', 'google/protobuf/timestamp.proto']);
    expect(described['grpc.health.v1.Health'].map((m) => m.name)).toEqual(['Check', 'Watch', 'List']);
  });

  it('finds methods, enum values and the google.api.http extension, and names what it lacks', async () => {
    const filesOf = async (request: Parameters<ReflectionClient['ask']>[0]) => {
      const answer = await client.ask(request);
      return answer.file_descriptor_response?.file_descriptor_proto.map((bytes) => fromBinary(FileDescriptorProtoSchema, bytes).name);
    };
    const fileOf = async (request: Parameters<ReflectionClient['ask']>[0]) => (await filesOf(request))?.[0];
    // The first answer brings the imports too; later ones on the same stream only what is new.
    expect(await filesOf({ file_containing_symbol: 'userservice.UserService.GetUser' })).toEqual([
      'user_service.proto',
      'google/api/annotations.proto',
      'google/api/http.proto',
      'google/protobuf/descriptor.proto',
      'google/protobuf/field_mask.proto',
      'google/protobuf/timestamp.proto',
    ]);
    expect(await filesOf({ file_containing_symbol: 'userservice.UserEvent' })).toEqual(['user_log.proto']);
    expect(await fileOf({ file_containing_symbol: 'userservice.USER_PLAN_PRO' })).toBe('user_service.proto');
    expect(await fileOf({ file_containing_extension: { containing_type: 'google.protobuf.MethodOptions', extension_number: 72295728 } })).toBe(
      'google/api/annotations.proto',
    );
    const numbers = await client.ask({ all_extension_numbers_of_type: 'google.protobuf.MethodOptions' });
    expect(numbers.all_extension_numbers_response).toEqual({ base_type_name: 'google.protobuf.MethodOptions', extension_number: [72295728] });
    const unknown = await client.ask({ file_containing_symbol: 'userservice.Nope' });
    expect(unknown.error_response).toEqual({ error_code: Code.NOT_FOUND, error_message: 'symbol userservice.Nope not found' });
  });
});

function importsOf(files: Map<string, Buffer>): string[] {
  return [...files.values()].flatMap((bytes) => fromBinary(FileDescriptorProtoSchema, bytes).dependency);
}

interface DescribedMethod {
  name: string;
  input: string;
  output: string;
  client_streaming: boolean;
  server_streaming: boolean;
}

/** Python protobuf's DescriptorPool over the files (test/runtime/descriptorPool.py); any rejection fails the test with Python's error. */
function descriptorPool(files: Buffer[], services: string[]): Record<string, DescribedMethod[]> {
  const input = JSON.stringify({ files: files.map((bytes) => bytes.toString('base64')), services });
  const python = spawnSync('python3', [path.join(__dirname, 'descriptorPool.py')], { input, encoding: 'utf8', env: pythonProtobufEnv(), timeout: 60_000 });
  if (python.error) throw new Error(`python3 could not run (${python.error.message}): it is needed to check the descriptors with Python protobuf`);
  if (python.status !== 0) throw new Error(`Python's DescriptorPool rejected the files reflection returned:\n${python.stderr}`);
  return JSON.parse(python.stdout) as Record<string, DescribedMethod[]>;
}
