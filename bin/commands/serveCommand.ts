import * as grpc from '@grpc/grpc-js';
import { createLogger } from '../../lib/logger';
import { startService } from '../../runtime/service';
import type { ServiceOptions } from '../../runtime/serviceOptions';

/** `usersvc serve`: runs until SIGTERM or SIGINT, then drains and exits 0 (a failure to start: bin/exitCodes.ts). */
export async function serveCommand(options: ServiceOptions): Promise<number> {
  const logger = createLogger(options.logLevel);
  // grpc-js writes its own complaints (a port it could not bind) as text on stderr: as JSON lines they join the rest.
  grpc.setLogger({ error: (...parts: unknown[]) => logger.warn(parts.join(' '), { source: 'grpc-js' }) });
  // Handlers go in before anything else: a supervisor may signal as soon as it reads `listening`
  // (or during start-up), and an unhandled SIGTERM kills the process without draining.
  // Signalling the whole process group (npm start, Ctrl-C) can deliver a signal twice: the
  // first one stops, repeats are only noted.
  let stopping = false;
  const signalled = new Promise<string>((resolve) => {
    const onSignal = (name: string) => (stopping ? logger.info(`${name} again: already stopping`) : ((stopping = true), resolve(name)));
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });
  // What was logged so far goes out before the line that says why the start failed (bin/exitCodes.ts).
  const service = await startService(options, logger).catch((error: unknown) => {
    logger.flush();
    throw error;
  });
  logger.info(`listening on ${service.addr}`, { addr: service.addr, http: service.httpAddr, data: options.dataDir, log: options.log, metrics: service.metricsAddr });
  logger.flush(); // whoever waits for this line gets it now
  const flusher = setInterval(() => logger.flush(), 200);
  const signal = await signalled;
  logger.info(`${signal}: draining calls in flight and stopping`);
  await service.stop();
  clearInterval(flusher);
  logger.info('stopped');
  logger.flush();
  return 0;
}
