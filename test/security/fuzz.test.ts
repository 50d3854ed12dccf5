import * as grpc from '@grpc/grpc-js';
import http2 from 'node:http2';
import { readFileSync } from 'node:fs';
import { createClient, unary } from '../../client/userServiceClient';
import { inspectHeap, type InspectedHeap } from '../support/inspectorHeap';
import { removeDir, startServer, tempDir, type ServerProcess } from '../support/serverProcess';

const METHODS = ['GetUser', 'CreateUser', 'UpdateUser', 'DeleteUser', 'ListUsers', 'ImportUsers', 'SyncUsers'];
const STREAMING_IN = new Set(['ImportUsers', 'SyncUsers']);
const STREAMING_OUT = new Set(['ListUsers', 'SyncUsers']);
const TOTAL = Number(process.env.FUZZ_TOTAL ?? 10_000);
const CONCURRENCY = 50;

/** A small seeded generator, so a failing run can be replayed with the same inputs. */
function random(seed: number) {
  let s = seed >>> 0;
  const next = () => (s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32;
  return {
    int: (n: number) => Math.floor(next() * n),
    bytes: (n: number) => Buffer.from(Array.from({ length: n }, () => Math.floor(next() * 256))),
    pick: <T>(items: T[]) => items[Math.floor(next() * items.length)],
  };
}

const rssKb = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]);

/** Every call must end with a status: one that does not within 5 s is a hang and fails the test. */
function settle(start: (done: (code: number) => void) => void): Promise<number> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('a call got no status within 5 s')), 5000);
    start((code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}

/** A gRPC request with a raw message, over plain HTTP/2, to send what grpc-js never would. */
function rawFrame(session: http2.ClientHttp2Session, path: string, body: Buffer, headers: Record<string, string> = {}): Promise<number> {
  return settle((done) => {
    const stream = session.request({ ':method': 'POST', ':path': path, 'content-type': 'application/grpc', te: 'trailers', 'grpc-timeout': '3S', ...headers });
    let code = -1;
    stream.on('response', (h) => {
      if (h['grpc-status'] !== undefined) code = Number(h['grpc-status']);
    });
    stream.on('trailers', (t) => (code = Number(t['grpc-status'])));
    stream.on('error', () => {});
    stream.on('close', () => done(code));
    stream.resume();
    stream.end(body);
  });
}

describe('fuzzing the server with 10,000 malformed or random requests', () => {
  let dir: string;
  let server: ServerProcess;
  let heap: InspectedHeap;

  beforeAll(async () => {
    dir = tempDir('fuzz');
    // Node 24 lets V8's young generation grow to 128 MB (Node 20 and 22: 32 MB), which takes
    // tens of thousands of calls and would count as growth below; pinned to Node 20's size, the
    // numbers mean the same on every supported Node. The inspector, on loopback, is how the test
    // forces a full collection before it reads memory.
    server = await startServer(dir, [], ['--max-semi-space-size=16', '--inspect=127.0.0.1:0']);
    heap = await inspectHeap(server.output());
  });

  afterAll(async () => {
    heap.close();
    expect(await server.stop()).toBe(0);
    removeDir(dir);
  });

  it('answers each with a status, stays up with bounded memory, and serves a valid call afterwards', async () => {
    const rnd = random(20261124);
    const raw = new grpc.Client(server.addr, grpc.credentials.createInsecure());
    const session = http2.connect(`http://${server.addr}`);
    const noop = (b: Buffer) => b;
    const metadata = () => {
      const md = new grpc.Metadata();
      const kind = rnd.int(4);
      if (kind === 0)
        md.set(
          'users-min-cursor',
          rnd
            .bytes(8)
            .toString('latin1')
            .replace(/[^\x20-\x7e]/g, 'x'),
        );
      if (kind === 1) md.set('junk-bin', rnd.bytes(64));
      if (kind === 2) md.set('x-long', 'y'.repeat(4000));
      return md;
    };
    const codes = new Map<number, number>();
    const fuzzOne = (i: number): Promise<number> => {
      const method = rnd.pick([...METHODS, 'DropUsers', 'Nope']);
      const path = `/${rnd.int(10) === 0 ? 'userservice.Nope' : 'userservice.UserService'}/${method}`;
      const message = rnd.bytes(rnd.int(200));
      const options = { deadline: Date.now() + 3000 };
      switch (i % 5) {
        case 0: // a huge length prefix with a short body
          return rawFrame(session, path, Buffer.concat([Buffer.from([0, 0xff, 0xff, 0xff, 0xf0]), message]));
        case 1: // a frame cut short, or a compressed flag with no compression agreed
          return rawFrame(session, path, Buffer.concat([Buffer.from([rnd.int(2), 0, 0, 1, 0]), message.subarray(0, 10)]));
        default:
          break;
      }
      if (STREAMING_IN.has(method)) {
        return settle((done) => {
          const call = STREAMING_OUT.has(method)
            ? raw.makeBidiStreamRequest(path, noop, noop, metadata(), options)
            : raw.makeClientStreamRequest(path, noop, noop, metadata(), options, () => {});
          call.on('status', (s: grpc.StatusObject) => done(s.code));
          call.on('error', () => {});
          call.on('data', () => {});
          for (let k = rnd.int(4); k >= 0; k--) call.write(rnd.bytes(rnd.int(100)));
          call.end();
        });
      }
      if (STREAMING_OUT.has(method)) {
        return settle((done) => {
          const call = raw.makeServerStreamRequest(path, noop, noop, message, metadata(), options);
          call.on('status', (s: grpc.StatusObject) => done(s.code));
          call.on('error', () => {});
          call.on('data', () => {});
        });
      }
      return settle((done) => {
        const call = raw.makeUnaryRequest(path, noop, noop, message, metadata(), options, () => {});
        call.on('status', (s: grpc.StatusObject) => done(s.code));
      });
    };

    // Memory is compared right after a full collection (forced through the inspector): before it,
    // RSS swings by tens of MB with garbage not yet collected (CI once saw +39 MB between two
    // halves of a run whose live heap stayed at 21 MB). The first half warms V8 and the caches.
    const memory = async () => ({ heapKb: Math.round((await heap.usedAfterFullGc()) / 1024), rssKb: rssKb(server.child.pid!) });
    let afterWarmup = { heapKb: 0, rssKb: 0 };
    for (let i = 0; i < TOTAL; i += CONCURRENCY) {
      const results = await Promise.all(Array.from({ length: CONCURRENCY }, (_, k) => fuzzOne(i + k)));
      for (const code of results) codes.set(code, (codes.get(code) ?? 0) + 1);
      if (i + CONCURRENCY === TOTAL / 2) afterWarmup = await memory();
    }
    const atEnd = await memory();
    session.close();
    raw.close();
    process.stderr.write(
      `fuzz: ${TOTAL} calls, status counts ${JSON.stringify(Object.fromEntries(codes))}; ` +
        `server heap ${afterWarmup.heapKb} -> ${atEnd.heapKb} kB, RSS ${afterWarmup.rssKb} -> ${atEnd.rssKb} kB (after full GCs, calls ${TOTAL / 2} -> ${TOTAL})\n`,
    );

    expect([...codes.values()].reduce((a, b) => a + b, 0)).toBe(TOTAL);
    expect(codes.get(grpc.status.INTERNAL) ?? 0).toBe(0);
    expect(codes.get(-1) ?? 0).toBe(0); // every stream ended with a grpc-status
    // Seen over 40,000 calls: heap 20.7 -> 21.1 MB, RSS 111-115 MB; over these 10,000, heap
    // growth 0.1-0.5 MB. About a third of the calls reach a handler: a leak of 1 kB in each of
    // them grew the heap by 1.4-1.7 MB and fails here; 3 kB a call in native memory would too.
    expect(atEnd.heapKb - afterWarmup.heapKb).toBeLessThan(1024);
    expect(atEnd.rssKb - afterWarmup.rssKb).toBeLessThan(16 * 1024);
    expect(server.child.exitCode).toBeNull();
    const client = createClient(server.addr);
    const { response } = await unary(client, 'CreateUser', { email: 'after-fuzz@example.com', name: 'Still here' });
    expect(response.version).toBe(1);
    client.close();
  });
});
