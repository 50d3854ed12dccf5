import path from 'node:path';
import type { LogBackend } from '../logBackend';
import { EmbeddedKeyStore } from './embeddedKeyStore';
import { EmbeddedLog } from './embeddedLog';

/** The embedded log as a backend: log.db in the data directory, one process deciding and projecting. */
export function embeddedBackend(dataDir: string): LogBackend {
  return {
    location: path.join(dataDir, 'log.db'),
    recordCheck: 'each against its CRC',
    flags: [],
    bootstrapServers: 'embedded',
    // One process owns the file, and the decider writes events in the order they are applied:
    // it applies its own events to the view straight away (runtime/openViews.ts).
    separateDeciderState: false,
    storedInDataDir: true,
    open: async (logger) => EmbeddedLog.open(dataDir, logger),
    openKeys: async () => EmbeddedKeyStore.open(dataDir),
  };
}
