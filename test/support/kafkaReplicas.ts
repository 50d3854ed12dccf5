import { createClient, type Client } from '../../client/userServiceClient';
import { KAFKA_BROKERS, uniquePrefix } from './kafka';
import { removeDir, startServer, tempDir, type ServerProcess } from './serverProcess';

/**
 * Service replicas on the same Kafka topics, each with its own data directory, started before the
 * file's first test and stopped (each must exit 0) after its last: `const replicas = useKafkaReplicas('name', 2);`.
 */
export function useKafkaReplicas(name: string, count: number): { servers: ServerProcess[]; clients: Client[] } {
  const prefix = uniquePrefix(name);
  const dirs = Array.from({ length: count }, (_, i) => tempDir(`${name}-${String.fromCharCode(97 + i)}`));
  const servers: ServerProcess[] = [];
  const clients: Client[] = [];
  beforeAll(async () => {
    for (const dir of dirs) {
      const server = await startServer(dir, ['--log', 'kafka', '--brokers', KAFKA_BROKERS.join(','), '--kafka-prefix', prefix]);
      servers.push(server);
      clients.push(createClient(server.addr));
    }
  });
  afterAll(async () => {
    clients.forEach((c) => c.close());
    for (const server of servers) expect(await server.stop()).toBe(0);
    dirs.forEach(removeDir);
  });
  return { servers, clients };
}
