import * as grpc from '@grpc/grpc-js';
import { ignoreStdioErrors } from '../../lib/logDestination';
import { createLogger, type Logger } from '../../lib/logger';
import { startService } from '../../app/service';
import type { ServiceOptions } from '../../runtime/serviceOptions';
import { EXIT } from '../exitCodes';
import { watchSignals } from '../stopSignals';

/** How long past the grace a stop may take (closing files, the last log lines) before the process exits anyway. */
export const STOP_MARGIN_MS = 5_000;
/** How long the last log lines may take to reach stdout before the process exits without them. */
const LAST_LINES_MS = 1_000;

/** `usersvc serve`: runs until SIGTERM or SIGINT, then drains and exits 0; until the service cannot go on (exit 1); a failure to start: bin/exitCodes.ts. */
export async function serveCommand(options: ServiceOptions): Promise<number> {
  ignoreStdioErrors();
  const logger = createLogger(options.logLevel);
  // grpc-js writes its own complaints (a port it could not bind) as text on stderr: as JSON lines they join the rest.
  grpc.setLogger({ error: (...parts: unknown[]) => logger.warn(parts.join(' '), { source: 'grpc-js' }) });
  // Handlers go in before anything else: a supervisor may signal as soon as it reads `listening`
  // (or during start-up), and an unhandled SIGTERM kills the process without draining.
  const signals = watchSignals(logger, (name, code) => exitNow(logger, `${name} again while stopping: exiting without waiting for the drain`, code));
  // What was logged so far goes out before the line that says why the start failed (bin/exitCodes.ts).
  const service = await startService(options, logger).catch(async (error: unknown) => {
    await logger.drain(LAST_LINES_MS);
    throw error;
  });
  logger.info(`listening on ${service.addr}`, {
    addr: service.addr,
    http: service.httpAddr,
    data: options.dataDir,
    log: options.log,
    metrics: service.metricsAddr,
  });
  logger.flush(); // whoever waits for this line gets it now
  const flusher = setInterval(() => logger.flush(), 200);
  const reason = await Promise.race([signals.first, service.failed]);
  if (reason instanceof Error) logger.error(reason.message, { exit_code: EXIT.FAILED });
  logger.info(`${reason instanceof Error ? 'failed' : reason}: draining calls in flight and stopping`);
  // Whatever holds the stop (a peer that never closes its connection, a log that does not close),
  // the process ends soon after the grace; unref'd, so it never keeps a finished process alive.
  const limitMs = options.shutdownGraceMs + STOP_MARGIN_MS;
  setTimeout(
    () => exitNow(logger, `stop did not finish within ${limitMs} ms (--shutdown-grace-ms + ${STOP_MARGIN_MS} ms): exiting anyway`, EXIT.FAILED),
    limitMs,
  ).unref();
  await service.stop();
  clearInterval(flusher);
  logger.info('stopped');
  await logger.drain(LAST_LINES_MS);
  return reason instanceof Error ? EXIT.FAILED : EXIT.OK;
}

/** Exits at once, after giving the reason a short chance to reach stdout. */
function exitNow(logger: Logger, reason: string, code: number): void {
  logger.error(reason, { exit_code: code });
  void logger.drain(200).then(() => process.exit(code));
}
