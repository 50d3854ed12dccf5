import path from 'node:path';
import { ChangeFeed } from '../../events/changeFeed';
import { embeddedBackend } from '../../events/embedded/embeddedBackend';
import { EmbeddedKeyStore } from '../../events/embedded/embeddedKeyStore';
import { EmbeddedLog } from '../../events/embedded/embeddedLog';
import type { ServiceDeps } from '../../events/serviceDeps';
import type { HandlerContext } from '../../handlers/handlerContext';
import { CursorText } from '../../lib/cursorText';
import { createLogger } from '../../lib/logger';
import { packageRoot } from '../../lib/packageRoot';
import { serviceMethods } from '../../runtime/serviceMethods';
import { runLogFunction } from '../../runtime/logRunner';
import { openViews } from '../../runtime/openViews';
import { loadWiring } from '../../runtime/serverlessConfig';
import { removeDir, tempDir } from './serverProcess';

export interface InProcessService {
  deps: ServiceDeps;
  /** A handler context with the given deadline (ms from now) and metadata. */
  ctx(timeoutMs?: number, metadata?: Record<string, string>): HandlerContext & { trailers: Map<string, string> };
  close(): Promise<void>;
}

/**
 * The service's functions in this process, on real SQLite files, without gRPC: for handler tests
 * that need to control the pieces (stop the decider, close the log) more finely than a server allows.
 */
export function startInProcess(options: { runFunctions?: boolean } = {}): InProcessService {
  const dir = tempDir('inproc');
  const log = EmbeddedLog.open(dir);
  const keys = EmbeddedKeyStore.open(dir);
  const logger = createLogger('error', () => {});
  const views = openViews(dir, embeddedBackend(dir), log.identity, logger, keys);
  const { view, deciderState } = views;
  let n = 0;
  const deps: ServiceDeps = {
    log,
    keys,
    view,
    deciderState,
    feed: new ChangeFeed(log, keys, view.cursor(), logger),
    cursors: new CursorText(log.identity, new Set([0])),
    logger,
    clock: Date.now,
    newId: () => `id-${n++}`,
  };
  const stop = new AbortController();
  const runners =
    options.runFunctions === false
      ? []
      : loadWiring(path.join(packageRoot(), 'serverless.yml'), packageRoot(), serviceMethods()).logFunctions.map((b) => runLogFunction(b, deps, stop.signal));
  return {
    deps,
    ctx(timeoutMs = 5000, metadata = {}) {
      const trailers = new Map<string, string>();
      return {
        deps,
        deadline: Date.now() + timeoutMs,
        signal: new AbortController().signal,
        metadata: (k) => metadata[k],
        setTrailer: (k, v) => trailers.set(k, v),
        authorize: () => {},
        trailers,
      };
    },
    async close() {
      stop.abort();
      await Promise.allSettled(runners);
      await log.close();
      await keys.close();
      views.close();
      removeDir(dir);
    },
  };
}
