import { newKey } from '../../lib/sealBox';
import type { KeyStore } from '../../events/sealing/keyStore';
import type { EventOpener } from '../../store/outcome';

/**
 * A key store in memory, for unit tests of what seals and opens records (the codec, the feed, the
 * projection). The stores the service runs on (keys.db, users.keys) have integration tests of their own.
 * Every user it is asked to seal for gets a key on first use, unless `destroy`ed.
 */
export function memoryKeys(): KeyStore & { destroyed: Set<string> } {
  const keys = new Map<string, Buffer>();
  const destroyed = new Set<string>();
  const keyOf = (id: string) => {
    if (destroyed.has(id)) return undefined;
    if (!keys.has(id)) keys.set(id, newKey());
    return keys.get(id);
  };
  return {
    destroyed,
    create: async (ids) => new Map(ids.map((id) => [id, keyOf(id)!] as const)),
    keyOf,
    refresh: async () => {},
    destroy: async (id) => {
      destroyed.add(id);
      keys.delete(id);
    },
    scrub: async () => {},
    close: async () => {},
  };
}

/** For views fed open events directly (no log, no sealing): outcome rows hold them as they are. */
export const openAsIs: EventOpener = (event) => event;
