import * as grpc from '@grpc/grpc-js';
import { nanoid } from 'nanoid';
import path from 'node:path';
import { ChangeFeed } from '../events/changeFeed';
import { COMMANDS, EVENTS } from '../events/eventLog';
import type { ServiceDeps } from '../events/serviceDeps';
import { startGateway, type RunningGateway } from '../gateway/gatewayServer';
import { CursorText } from '../lib/cursorText';
import { UnavailableError } from '../lib/errors';
import type { Logger } from '../lib/logger';
import { packageRoot } from '../lib/packageRoot';
import { inUseOr } from '../lib/startupErrors';
import type { CallTracking } from '../runtime/call/callContext';
import { createGrpcConnectionCloser, type GrpcConnectionCloser } from '../runtime/grpc/grpcConnectionCloser';
import { createGrpcServer } from '../runtime/grpcServer';
import { serviceMethods } from '../runtime/serviceMethods';
import { runLogFunction, runSubscriber } from '../runtime/logRunner';
import { openDataDir } from '../runtime/openDataDir';
import { createMetrics } from '../runtime/observability/metrics';
import { startMetricsServer } from '../runtime/observability/metricsServer';
import { TimedLog } from '../runtime/observability/timedLog';
import { AccessPolicy } from '../runtime/security/accessPolicy';
import { StreamQuota } from '../runtime/security/streamQuota';
import { serverCredentials } from '../runtime/security/transportCredentials';
import { foldedFiles } from '../runtime/dataFiles';
import { openViews } from '../runtime/openViews';
import { pruneOutcomes } from '../runtime/outcomePruner';
import { ensureViewsInStep } from '../runtime/viewStartupCheck';
import { loadWiring } from '../runtime/serverlessConfig';
import type { ServiceOptions } from '../runtime/serviceOptions';

export interface RunningService {
  /** The address actually bound (the real port when 0 was asked for). */
  addr: string;
  /** Where the REST/JSON gateway answers, unless --http-addr turned it off. */
  httpAddr?: string;
  /** Where GET /metrics answers, when --metrics-addr asked for it. */
  metricsAddr?: string;
  deps: ServiceDeps;
  /** Resolves when the service cannot go on serving (a fold behind the log's start, runtime/logRunner.ts): the caller stops it. */
  failed: Promise<Error>;
  /** Graceful stop: health NOT_SERVING (Watch streams ended), no new calls, feeds ended with UNAVAILABLE, calls in flight finished (within the grace), files closed. */
  stop(): Promise<void>;
}

/** Opens the data directory, starts every function of serverless.yml and serves gRPC. */
export async function startService(options: ServiceOptions, logger: Logger): Promise<RunningService> {
  // Configuration mistakes first, before anything is opened.
  const credentials = serverCredentials(options.addr, options);
  const security = { policy: options.authzFile ? AccessPolicy.load(options.authzFile) : undefined, streams: new StreamQuota(options.maxStreamsPerIdentity) };
  const wiring = loadWiring(path.join(packageRoot(), 'serverless.yml'), path.resolve(__dirname, '..'), serviceMethods());
  const metrics = createMetrics();
  const { backend, log: opened, keys, close: closeLog, release } = await openDataDir(options, logger);
  await ensureViewsInStep(
    opened,
    keys,
    foldedFiles(options.dataDir, backend),
    {
      autoRebuild: options.autoRebuild,
      rebuildCommand: ['usersvc rebuild --data', options.dataDir, ...backend.flags].join(' '),
      requestIdRetentionMs: options.requestIdRetentionMs,
    },
    logger,
  ).catch(async (error: unknown) => {
    await closeLog();
    release();
    throw error;
  });
  const cursors = new CursorText(opened.identity, new Set((await opened.bounds(EVENTS)).end.partitions()));
  const log = new TimedLog(opened, metrics.appendTook);
  const views = openViews(options.dataDir, backend, opened.identity, logger, keys, options.requestIdRetentionMs);
  const { view, deciderState } = views;
  const feed = new ChangeFeed(log, keys, view.cursor(), logger, { bookmarkMs: options.bookmarkMs, capacity: options.feedWindow });
  const deps: ServiceDeps = { log, keys, view, deciderState, feed, cursors, logger, clock: Date.now, newId: () => nanoid() };

  const stopRunners = new AbortController();
  // Lambda-shaped functions read their configuration from the environment.
  process.env.USERSVC_DATA_DIR = options.dataDir;
  const runners = [
    ...wiring.logFunctions.map((binding) => runLogFunction(binding, deps, stopRunners.signal)),
    ...wiring.subscribers.map((binding) => runSubscriber(binding, deps, backend.bootstrapServers, stopRunners.signal)),
    pruneOutcomes([view, deciderState], logger, stopRunners.signal),
  ];
  // A runner ends on its own only when it cannot go on; the others keep running until the stop.
  const failed = new Promise<Error>((resolve) => runners.forEach((runner) => runner.catch(resolve)));
  const tracking: CallTracking = { active: new Set() };
  const { server, health } = createGrpcServer(wiring.rpcs, deps, options, tracking, security, metrics);
  let metricsServer: Awaited<ReturnType<typeof startMetricsServer>> | undefined;
  let gateway: RunningGateway | undefined;
  /** Stops the functions and closes every file; the last step of a stop, and of a failed start. */
  const closeAll = async () => {
    stopRunners.abort();
    await Promise.allSettled([...runners, metricsServer?.close(), gateway?.close(0)]);
    await log.close();
    await keys.close();
    views.close();
    release();
  };
  let port: number;
  let connections: GrpcConnectionCloser;
  try {
    port = await bind(server, options.addr, credentials);
    connections = createGrpcConnectionCloser(server);
    metrics.countDroppedLogLines(() => logger.droppedLines());
    metrics.watchLag(deps, wiring.logFunctions.find((f) => f.trigger.topic === COMMANDS)?.trigger.group);
    metricsServer = options.metricsAddr ? await startMetricsServer(options.metricsAddr, metrics, logger) : undefined;
    gateway = options.httpAddr
      ? await startGateway(wiring.rpcs, { deps, tracking, security, metrics }, { ...options, httpAddr: options.httpAddr }, logger)
      : undefined;
  } catch (error) {
    server.forceShutdown();
    await closeAll();
    throw error;
  }
  const addr = `${options.addr.slice(0, options.addr.lastIndexOf(':'))}:${port}`;

  const stop = async () => {
    health.stopServing();
    const shuttingDown = new UnavailableError('the server is shutting down; reconnect and resume from your last cursor');
    // Set before the gateway's own cut (same delay, so it fires first): calls still open at the
    // end of the grace end as UNAVAILABLE, not as cancelled by their connection closing.
    const graceOver = setTimeout(() => {
      for (const call of tracking.active) call.abort(shuttingDown);
      server.forceShutdown();
      connections.endAll();
    }, options.shutdownGraceMs);
    const drained = Promise.all([new Promise<void>((resolve) => server.tryShutdown(() => resolve())), gateway?.close(options.shutdownGraceMs)]);
    for (const call of tracking.active) if (call.longLived) call.abort(shuttingDown);
    // A connection whose calls are done and whose GOAWAY went out holds nothing: end it without waiting for the peer.
    const sweep = setInterval(() => connections.endFinished(), 50);
    await drained;
    clearInterval(sweep);
    clearTimeout(graceOver);
    await closeAll();
  };
  return { addr, httpAddr: gateway?.addr, metricsAddr: metricsServer?.addr, deps, failed, stop };
}

function bind(server: grpc.Server, addr: string, credentials: grpc.ServerCredentials): Promise<number> {
  return new Promise((resolve, reject) =>
    server.bindAsync(addr, credentials, (error, port) => (error ? reject(inUseOr(error, '--addr', addr)) : resolve(port))),
  );
}
