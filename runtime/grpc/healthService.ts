import * as grpc from '@grpc/grpc-js';
import { HealthImplementation } from 'grpc-health-check';

type HealthServer = Parameters<HealthImplementation['addToServer']>[0];
type WatchCall = grpc.ServerWritableStream<unknown, unknown>;

export interface HealthService {
  /**
   * Shutdown's first step: every service NOT_SERVING (sent to each `Watch`), then each open
   * `Watch` ends with UNAVAILABLE. grpc-health-check's Watch streams only end when their client
   * cancels, and every client with gRPC client-side health checking holds one open, so a drain
   * (`tryShutdown`) would wait for them until the grace ran out.
   */
  stopServing(): void;
}

/** The standard grpc.health.v1 service (Check, Watch, List) for `services`, all SERVING. */
export function addHealthService(server: grpc.Server, services: string[]): HealthService {
  const health = new HealthImplementation(Object.fromEntries(services.map((name) => [name, 'SERVING' as const])));
  const watches = new Set<WatchCall>();
  const shuttingDown = { code: grpc.status.UNAVAILABLE, details: 'the server is shutting down; watch another instance' };
  let stopped = false;
  // The library adds its handlers itself: a server of our own in between keeps track of Watch calls.
  const tracking: HealthServer = {
    addService: (service, implementation) => {
      const watch = implementation.watch as (call: WatchCall) => void;
      const tracked = (call: WatchCall) => {
        watch(call);
        // One that slips in while the server stops gets NOT_SERVING and its end at once.
        if (stopped) return void call.emit('error', shuttingDown);
        watches.add(call);
        call.once('cancelled', () => watches.delete(call));
      };
      server.addService(service as grpc.ServiceDefinition, { ...implementation, watch: tracked } as grpc.UntypedServiceImplementation);
    },
  };
  health.addToServer(tracking);
  return {
    stopServing: () => {
      stopped = true;
      for (const name of services) health.setStatus(name, 'NOT_SERVING');
      // The status goes out after the NOT_SERVING just written: grpc-js keeps a stream's order.
      for (const call of watches) call.emit('error', shuttingDown);
      watches.clear();
    },
  };
}
