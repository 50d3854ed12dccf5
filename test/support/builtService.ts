import path from 'node:path';
import type { startService as StartService, RunningService } from '../../app/service';
import type { createLogger as CreateLogger } from '../../lib/logger';
import { packageRoot } from '../../lib/packageRoot';
import type { OptionName, resolveOptions as ResolveOptions } from '../../runtime/serviceOptions';
import { createClient, type Client } from '../../client/userServiceClient';
import { EVENTS } from '../../events/eventLog';
import { backendArgs, removeDir, tempDir } from './serverProcess';

/** The built code of a module (dist/), so the service wired from serverless.yml and the test share one copy of every class. */
function built<T>(file: string): T {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the build, loaded at run time like the server process loads it
  return require(path.join(packageRoot(), 'dist', file)) as T;
}

/**
 * The real server (gRPC and the gateway on loopback, the log of the jest project that runs) in
 * this process, from the build: for tests that must act on its log while it serves, such as
 * dropping records under a subscriber (`deps.log.trim`), which no outside process can do to the
 * embedded log. `flags` are the serve command's, without the dashes.
 */
export async function startBuiltService(dataDir: string, flags: Partial<Record<OptionName, string>> = {}): Promise<RunningService> {
  const { startService } = built<{ startService: typeof StartService }>('app/service.js');
  const { resolveOptions } = built<{ resolveOptions: typeof ResolveOptions }>('runtime/serviceOptions.js');
  const { createLogger } = built<{ createLogger: typeof CreateLogger }>('lib/logger.js');
  const backend = backendArgs(dataDir);
  const backendFlags = Object.fromEntries(backend.flatMap((arg, i) => (arg.startsWith('--') ? [[arg.slice(2), backend[i + 1]]] : [])));
  const options = resolveOptions({ addr: '127.0.0.1:0', 'http-addr': '127.0.0.1:0', data: dataDir, ...backendFlags, ...flags }, {});
  return startService(
    options,
    createLogger('error', () => {}),
  );
}

/** A suite's built service and its client, filled in by `useBuiltService` before the tests run. */
export interface BuiltSuite {
  service: RunningService;
  client: Client;
  /** Drops every event record there is now; returns the oldest position kept, as cursor text. */
  trimEvents(): Promise<string>;
}

/** One built service (startBuiltService) and one client for a whole suite; closed and removed after it. */
export function useBuiltService(label: string, flags: Partial<Record<OptionName, string>> = {}): BuiltSuite {
  const suite = {} as BuiltSuite;
  let dir = '';
  beforeAll(async () => {
    dir = tempDir(label);
    suite.service = await startBuiltService(dir, flags);
    suite.client = createClient(suite.service.addr);
    suite.trimEvents = async () => {
      const { log, cursors } = suite.service.deps;
      await log.trim!(EVENTS, (await log.bounds(EVENTS)).end);
      return cursors.format((await log.bounds(EVENTS)).start);
    };
  });
  afterAll(async () => {
    suite.client?.close();
    await suite.service?.stop();
    removeDir(dir);
  });
  return suite;
}
