import { createClient, type Client } from '../../client/userServiceClient';
import { removeDir, startServer, tempDir, type ServerProcess } from './serverProcess';

export interface SuiteServer {
  dir: string;
  server: ServerProcess;
  client: Client;
}

/**
 * One server (on the log of the jest project that runs) and one client for a whole suite:
 * started before its tests, and after them the client closed, the server's clean exit (0)
 * asserted and its data directory removed. `ready` hands them to the suite's own variables.
 */
export function useSuiteServer(label: string, ready: (suite: SuiteServer) => void): void {
  let suite: SuiteServer | undefined;
  beforeAll(async () => {
    const dir = tempDir(label);
    const server = await startServer(dir);
    suite = { dir, server, client: createClient(server.addr) };
    ready(suite);
  });
  afterAll(async () => {
    if (!suite) return;
    suite.client.close();
    expect(await suite.server.stop()).toBe(0);
    removeDir(suite.dir);
  });
}
