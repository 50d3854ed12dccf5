import { createLogger } from '../../lib/logger';
import { startService } from '../../runtime/service';
import type { ServiceOptions } from '../../runtime/serviceOptions';

/** `usersvc serve`: runs until SIGTERM or SIGINT, then drains and exits 0. */
export async function serveCommand(options: ServiceOptions): Promise<number> {
  const logger = createLogger(options.logLevel);
  const service = await startService(options, logger);
  logger.info(`listening on ${service.addr}`, { addr: service.addr, data: options.dataDir });
  // A supervisor that signals the whole process group (npm start, a terminal's Ctrl-C) can deliver
  // the signal twice, directly and forwarded: the first one stops, repeats are only noted.
  let stopping = false;
  const signal = await new Promise<string>((resolve) => {
    const onSignal = (name: string) => (stopping ? logger.info(`${name} again: already stopping`) : ((stopping = true), resolve(name)));
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });
  logger.info(`${signal}: draining calls in flight and stopping`);
  await service.stop();
  logger.info('stopped');
  return 0;
}
