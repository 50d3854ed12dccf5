import http from 'node:http';
import type { Logger } from '../../lib/logger';
import { createHttpServerCloser } from '../../lib/httpServerCloser';
import { listenOn } from '../../lib/listenOn';
import type { Metrics } from './metrics';

/** A scrape under way at a stop may finish within this; the metrics server closes after the calls have drained. */
const SCRAPE_GRACE_MS = 1_000;

/** Serves GET /metrics for Prometheus; resolves with the address bound (port 0 picks one). */
export async function startMetricsServer(addr: string, metrics: Metrics, logger: Logger): Promise<{ addr: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    if (req.method !== 'GET' || req.url !== '/metrics') {
      res.writeHead(404).end('GET /metrics\n');
      return;
    }
    metrics.registry.metrics().then(
      (text) => res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(text),
      (error: unknown) => {
        logger.error('metrics failed', { error });
        res.writeHead(500).end('metrics failed\n');
      },
    );
  });
  // A scraper's keep-alive connection, or one that never sent a request, must not hold a stop.
  const closer = createHttpServerCloser(server);
  const bound = await listenOn(server, addr, '--metrics-addr');
  return { addr: bound, close: () => closer.close(SCRAPE_GRACE_MS) };
}
