import type { Server } from 'node:net';
import { inUseOr } from './startupErrors';

/**
 * Listens on `addr` (`host:port`, an IPv6 host in brackets: `[::1]:8080`; port 0 picks a free
 * one) and resolves with the address bound, written the same way. A taken address rejects with
 * an InUseError naming `flag`, the option to change. One place for the HTTP servers (gateway,
 * metrics), so both read an address as `--addr` does.
 */
export async function listenOn(server: Server, addr: string, flag: string): Promise<string> {
  const colon = addr.lastIndexOf(':');
  const host = addr.slice(0, colon);
  await new Promise<void>((resolve, reject) => {
    const refused = (error: Error) => reject(inUseOr(error, flag, addr));
    server.once('error', refused);
    // listen() takes an IPv6 host bare: `[::1]` would be looked up as a name.
    server.listen(Number(addr.slice(colon + 1)), host.replace(/^\[(.*)\]$/, '$1'), () => (server.removeListener('error', refused), resolve()));
  });
  return `${host}:${(server.address() as { port: number }).port}`;
}
