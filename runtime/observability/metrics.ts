import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { DECIDER_GROUP } from '../../events/decider/decideCommands';
import { COMMANDS, EVENTS } from '../../events/eventLog';
import type { ServiceDeps } from '../../events/serviceDeps';
import type { Cursor } from '../../lib/cursor';

/** How far `behind` is from `end`, summed over partitions. */
const lag = (end: Cursor, behind: Cursor) => end.entries().reduce((sum, [p, offset]) => sum + Math.max(0, offset - behind.get(p)), 0);

/** The service's Prometheus metrics, in a registry of its own. */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'usersvc_' });
  const calls = new Counter({ name: 'usersvc_grpc_calls_total', help: 'gRPC calls answered, by method and status code', labelNames: ['method', 'code'], registers: [registry] });
  const latency = new Histogram({
    name: 'usersvc_grpc_call_seconds',
    help: 'gRPC call duration, by method (streams: until their end)',
    labelNames: ['method'],
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
    registers: [registry],
  });
  const openStreams = new Gauge({ name: 'usersvc_grpc_open_streams', help: 'streaming calls open now, by method', labelNames: ['method'], registers: [registry] });
  const appendLatency = new Histogram({
    name: 'usersvc_log_append_seconds',
    help: 'time for the log to acknowledge an append (durable)',
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registers: [registry],
  });
  return {
    registry,
    /** Records a finished call. */
    callEnded(method: string, code: number, seconds: number): void {
      calls.inc({ method, code: String(code) });
      latency.observe({ method }, seconds);
    },
    streamOpened: (method: string) => openStreams.inc({ method }),
    streamClosed: (method: string) => openStreams.dec({ method }),
    appendTook: (seconds: number) => appendLatency.observe(seconds),
    /** Lags are read from the log when Prometheus scrapes, not kept up to date on every event. */
    watchLag(deps: ServiceDeps, deciderGroup = DECIDER_GROUP): void {
      new Gauge({
        name: 'usersvc_projector_lag_events',
        help: 'events on the log this instance\'s view has not applied yet',
        registers: [registry],
        async collect() {
          this.set(lag((await deps.log.bounds(EVENTS)).end, deps.view.cursor()));
        },
      });
      new Gauge({
        name: 'usersvc_decider_lag_commands',
        help: 'commands on the log the decider has not decided yet',
        registers: [registry],
        async collect() {
          this.set(lag((await deps.log.bounds(COMMANDS)).end, await deps.log.committed(deciderGroup, COMMANDS)));
        },
      });
    },
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
