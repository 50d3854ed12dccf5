import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { DECIDER_GROUP } from '../../events/decider/decideCommands';
import { COMMANDS, EVENTS } from '../../events/eventLog';
import type { ServiceDeps } from '../../events/serviceDeps';
import { Code } from '../../lib/code';
import type { Cursor } from '../../lib/cursor';
import type { Transport } from '../call/callSource';

/** How far `behind` is from `end`, summed over partitions. */
const lag = (end: Cursor, behind: Cursor) => end.entries().reduce((sum, [p, offset]) => sum + Math.max(0, offset - behind.get(p)), 0);

/**
 * prom-client's defaults that promtool refuses: gauges named `*_total` (a name only counters may
 * have). Each has a sibling without the suffix, by type, whose sum is the same number.
 */
const GAUGES_NAMED_TOTAL = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'];

/**
 * The service's Prometheus metrics, in a registry of its own. Calls are counted per RPC whatever
 * carried them, told apart by `transport` (grpc, or http for the REST gateway); `code` is the
 * status name (`OK`, `NOT_FOUND`), as grpc-prometheus writes it.
 */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'usersvc_' });
  for (const name of GAUGES_NAMED_TOTAL) registry.removeSingleMetric(`usersvc_${name}`);
  const calls = new Counter({
    name: 'usersvc_rpc_calls_total',
    help: 'RPCs answered, by method, transport and status code',
    labelNames: ['method', 'transport', 'code'],
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'usersvc_rpc_call_seconds',
    help: 'RPC duration, by method and transport (streams: until their end)',
    labelNames: ['method', 'transport'],
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
    registers: [registry],
  });
  const openStreams = new Gauge({
    name: 'usersvc_rpc_open_streams',
    help: 'streaming RPCs open now, by method and transport',
    labelNames: ['method', 'transport'],
    registers: [registry],
  });
  const appendLatency = new Histogram({
    name: 'usersvc_log_append_seconds',
    help: 'time for the log to acknowledge an append (durable)',
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registers: [registry],
  });
  return {
    registry,
    /** Records a finished call. */
    callEnded(method: string, transport: Transport, code: number, seconds: number): void {
      calls.inc({ method, transport, code: Code[code] ?? String(code) });
      latency.observe({ method, transport }, seconds);
    },
    streamOpened: (method: string, transport: Transport) => openStreams.inc({ method, transport }),
    streamClosed: (method: string, transport: Transport) => openStreams.dec({ method, transport }),
    appendTook: (seconds: number) => appendLatency.observe(seconds),
    /** The logger keeps its own count (it exists before the metrics do); a scrape reads it. */
    countDroppedLogLines(droppedLines: () => number): void {
      new Counter({
        name: 'usersvc_log_lines_dropped_total',
        help: "log lines dropped because stdout's reader went away (EPIPE) or fell too far behind",
        registers: [registry],
        collect() {
          this.reset();
          this.inc(droppedLines());
        },
      });
    },
    /** Lags are read from the log when Prometheus scrapes, not kept up to date on every event. */
    watchLag(deps: ServiceDeps, deciderGroup = DECIDER_GROUP): void {
      new Gauge({
        name: 'usersvc_projector_lag_events',
        help: "events on the log this instance's view has not applied yet",
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
