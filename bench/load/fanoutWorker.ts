/**
 * Subscribers for the fan-out benchmark: `count` SyncUsers streams on a few shared connections,
 * each recording, for every change it receives, the time since the writer sent it (the writer
 * puts its send time in the user's name). IPC: `ready` once every stream is caught up;
 * (parent) `stop` → `done` with the latencies and the CPU this process used while live.
 */
import * as grpc from '@grpc/grpc-js';
import { SERVICE_NAME, grpcDefinition } from '../../proto/schema';

interface FanoutTask {
  addr: string;
  count: number;
  /** Only the benchmark's users: the writer's names start with it. */
  tag: string;
}

const now = () => performance.timeOrigin + performance.now();

async function run(task: FanoutTask): Promise<void> {
  // gRPC caps concurrent streams per connection (100 here); a connection per 50 subscribers stays under it.
  // (grpc-js shares one connection between clients of the same target unless told otherwise.)
  const Service = grpc.makeClientConstructor(grpcDefinition()[SERVICE_NAME] as grpc.ServiceDefinition, SERVICE_NAME);
  const clients = Array.from({ length: Math.ceil(task.count / 50) }, () => new Service(task.addr, grpc.credentials.createInsecure(), { 'grpc.use_local_subchannel_pool': 1 }) as grpc.Client & Record<string, () => grpc.ClientDuplexStream<object, never>>);
  const latenciesMs: number[] = [];
  const calls: grpc.ClientDuplexStream<object, { event?: { user: { name: string } }; caught_up?: object }>[] = [];
  let caughtUp = 0;
  await new Promise<void>((resolve, reject) => {
    for (let i = 0; i < task.count; i++) {
      const call = clients[i % clients.length].SyncUsers();
      calls.push(call);
      let live = false;
      call.on('data', (message: { event?: { user: { name: string } }; caught_up?: object }) => {
        if (message.caught_up && !live) {
          live = true;
          if (++caughtUp === task.count) resolve();
        } else if (message.event) {
          const sent = Number(message.event.user.name.split(' ')[1]);
          latenciesMs.push(now() - sent);
        }
      });
      call.on('error', (error: grpc.ServiceError) => error.code !== grpc.status.CANCELLED && reject(error));
      call.write({ subscribe: { cursor: '', filter: `name : "${task.tag}"` } });
    }
  });
  process.send!({ type: 'ready' });
  const cpu = process.cpuUsage();
  await new Promise<void>((resolve) => process.once('message', () => resolve()));
  const used = process.cpuUsage(cpu);
  calls.forEach((c) => c.cancel());
  clients.forEach((c) => c.close());
  process.send!({ type: 'done', latenciesMs, cpuMs: (used.user + used.system) / 1000 }, undefined, {}, () => process.exit(0));
}

void run(JSON.parse(process.argv[2]) as FanoutTask).catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
