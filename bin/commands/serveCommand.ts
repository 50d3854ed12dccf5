import { createLogger } from '../../lib/logger';
import { startService } from '../../runtime/service';
import type { ServiceOptions } from '../../runtime/serviceOptions';

/** `usersvc serve`: runs until SIGTERM or SIGINT, then drains and exits 0. */
export async function serveCommand(options: ServiceOptions): Promise<number> {
  const logger = createLogger(options.logLevel);
  const service = await startService(options, logger);
  logger.info(`listening on ${service.addr}`, { addr: service.addr, data: options.dataDir });
  const signal = await new Promise<string>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
  logger.info(`${signal}: draining calls in flight and stopping`);
  await service.stop();
  logger.info('stopped');
  return 0;
}
