/**
 * Subscribers for the fan-out benchmark: `count` SyncUsers streams on a few shared connections,
 * each recording, for every change it receives, the time since the writer sent it (the writer
 * puts its send time in the user's name). IPC: `ready` once every stream is caught up;
 * (parent) `stop` → `done` with the latencies and the CPU this process used while live.
 *
 * The streams speak gRPC over bare HTTP/2 sessions (as rawGrpc.ts does for unary calls) and read
 * only the fields the measurement needs from each message. A grpc-js client spent about 29 µs of
 * CPU per received message here (its call stack, a full decode with defaults): at 1,000
 * subscribers × 50 writes/s that is 1.45 cores of a 2-core machine, so the load generator, not
 * the server, set the result. The latency is defined as before: from the writer's send to the
 * moment the subscriber's process has the change (its frame read and the user's name decoded).
 */
import http2 from 'node:http2';
import * as grpc from '@grpc/grpc-js';
import { SERVICE_NAME, grpcDefinition } from '../../proto/schema';
import { GRPC_HEADERS, grpcFrame } from './h2load';

interface FanoutTask {
  addr: string;
  count: number;
  /** Only the benchmark's users: the writer's names start with it. */
  tag: string;
}

const now = () => performance.timeOrigin + performance.now();

/** SyncResult's oneof cases, ChangeEvent.user and User.name: the field numbers read here. */
const EVENT = 1;
const CAUGHT_UP = 2;
const CHANGE_USER = 2;
const USER_NAME = 3;

/** The bytes of length-delimited field `field` inside `bytes` (the first occurrence), or undefined. */
function fieldOf(bytes: Buffer, field: number): Buffer | undefined {
  let at = 0;
  const varint = () => {
    let value = 0;
    for (let shift = 0; ; shift += 7) {
      const byte = bytes[at++];
      value += (byte & 0x7f) * 2 ** shift;
      if (byte < 0x80) return value;
    }
  };
  while (at < bytes.length) {
    const key = varint();
    const wire = key & 7;
    if (wire === 0) varint();
    else if (wire === 1) at += 8;
    else if (wire === 5) at += 4;
    else if (wire === 2) {
      const length = varint();
      if (key >>> 3 === field) return bytes.subarray(at, at + length);
      at += length;
    } else throw new Error(`unexpected wire type ${wire} in a SyncResult`);
  }
  return undefined;
}

/** Splits a stream's DATA into gRPC messages (5-byte prefix), however the chunks fall. */
function messageReader(onMessage: (message: Buffer) => void): (chunk: Buffer) => void {
  let pending: Buffer = Buffer.alloc(0);
  return (chunk) => {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    while (pending.length >= 5) {
      const length = pending.readUInt32BE(1);
      if (pending.length < 5 + length) break;
      onMessage(pending.subarray(5, 5 + length));
      pending = pending.subarray(5 + length);
    }
  };
}

async function run(task: FanoutTask): Promise<void> {
  // The server allows 100 concurrent streams per connection; a connection per 50 subscribers stays under it.
  const sessions = Array.from({ length: Math.ceil(task.count / 50) }, () => http2.connect(`http://${task.addr}`));
  const subscribe = grpcFrame(
    (grpcDefinition()[SERVICE_NAME] as grpc.ServiceDefinition).SyncUsers.requestSerialize({ subscribe: { cursor: '', filter: `name : "${task.tag}"` } }),
  );
  const latenciesMs: number[] = [];
  const tagged = `${task.tag} `;
  const streams: http2.ClientHttp2Stream[] = [];
  let stopping = false;
  let caughtUp = 0;
  await new Promise<void>((resolve, reject) => {
    for (const session of sessions) session.on('error', reject);
    for (let i = 0; i < task.count; i++) {
      const stream = sessions[i % sessions.length].request({ ':method': 'POST', ':path': `/${SERVICE_NAME}/SyncUsers`, ...GRPC_HEADERS });
      streams.push(stream);
      let live = false;
      stream.on(
        'data',
        messageReader((message) => {
          const event = fieldOf(message, EVENT);
          if (event) {
            const name = fieldOf(fieldOf(event, CHANGE_USER)!, USER_NAME)!.toString();
            // The bare baseline has no filter: it sends the warm-up writes too.
            if (name.startsWith(tagged)) latenciesMs.push(now() - Number(name.slice(tagged.length)));
          } else if (!live && fieldOf(message, CAUGHT_UP)) {
            live = true;
            if (++caughtUp === task.count) resolve();
          }
        }),
      );
      const status = (headers: http2.IncomingHttpHeaders) => {
        const code = headers['grpc-status'];
        if (code !== undefined && code !== '0' && !stopping)
          reject(new Error(`SyncUsers ended with grpc-status ${code}: ${decodeURIComponent(String(headers['grpc-message'] ?? ''))}`));
      };
      stream.on('response', status);
      stream.on('trailers', status);
      stream.on('error', (error) => stopping || reject(error));
      stream.write(subscribe);
    }
  });
  process.send!({ type: 'ready' });
  const cpu = process.cpuUsage();
  await new Promise<void>((resolve) => process.once('message', () => resolve()));
  const used = process.cpuUsage(cpu);
  stopping = true;
  streams.forEach((s) => s.close(http2.constants.NGHTTP2_CANCEL));
  sessions.forEach((s) => s.close());
  process.send!({ type: 'done', latenciesMs, cpuMs: (used.user + used.system) / 1000 }, undefined, {}, () => process.exit(0));
}

void run(JSON.parse(process.argv[2]) as FanoutTask).catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
