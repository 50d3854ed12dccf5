import { createClient } from '../../client/userServiceClient';
import type { LogRecord } from '../eventLog';
import type { KeyStore } from '../sealing/keyStore';
import type { Keys } from '../sealing/sealedRecords';

let local: KeyStore | undefined;

/** In the service's own process, subscriber functions read keys from its key store (runtime/logRunner.ts sets it). */
export function useLocalKeys(keys: KeyStore): void {
  local = keys;
}

/**
 * The keys that open a batch's sealed events, for a Lambda-shaped subscriber. In the service's
 * process, its key store; deployed on its own, the function asks the service (GetUserKeys at
 * $USERSVC_ADDR) once per batch and keeps nothing after it: a cached key would outlive an erasure.
 */
export async function keysForBatch(records: LogRecord[]): Promise<Keys> {
  const ids = [...new Set(records.map((r) => r.key).filter((id) => id !== ''))];
  if (local) {
    await local.refresh(ids);
    return local;
  }
  const addr = process.env.USERSVC_ADDR;
  if (!addr) throw new Error('a subscriber deployed outside the service needs USERSVC_ADDR (host:port of the UserService) to fetch the keys of sealed events');
  const fetched = ids.length > 0 ? await fetchKeys(addr, ids) : new Map<string, Buffer>();
  return { keyOf: (id) => fetched.get(id) };
}

async function fetchKeys(addr: string, ids: string[]): Promise<Map<string, Buffer>> {
  const client = createClient(addr);
  try {
    const response = await new Promise<{ keys: Record<string, Buffer> }>((resolve, reject) =>
      client.GetUserKeys({ ids }, { deadline: Date.now() + 10_000 }, (error, value) =>
        error || !value ? reject(error ?? new Error('no answer')) : resolve(value as never),
      ),
    );
    return new Map(Object.entries(response.keys).map(([id, key]) => [id, Buffer.from(key)]));
  } finally {
    client.close();
  }
}
