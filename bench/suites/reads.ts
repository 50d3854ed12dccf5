import { encodeMessage, messageType } from '../../proto/schema';
import { GRPC_HEADERS, grpcFrame, h2load } from '../load/h2load';
import { measurement, progress, withServerCpu, type Measurement } from './context';

/** The protobuf of a GetUserRequest, framed for gRPC. */
const getUserBody = (id: string) => grpcFrame(encodeMessage(messageType('userservice.GetUserRequest'), { id }));

/**
 * Unary reads with h2load: bare grpc-js vs our GetUser (4 connections x 32 streams, the load of
 * issue 6's baseline), and bare Node http JSON vs our gateway's GET (64 HTTP/1.1 connections).
 */
export async function readBenchmarks(env: {
  ours: { addr: string; httpAddr: string; pid: number };
  bare: { grpc: string; http: string; pid: number };
  id: string;
  requests: number;
  /** Warm up each server first (JIT, connections): the first round does. */
  warm: boolean;
}): Promise<Measurement[]> {
  const out: Measurement[] = [];
  const grpcRun = (addr: string, requests: number) =>
    h2load({ url: `http://${addr}/userservice.UserService/GetUser`, requests, clients: 4, streams: 32, body: getUserBody(env.id), headers: GRPC_HEADERS });
  const httpRun = (addr: string, path: string, requests: number) => h2load({ url: `http://${addr}${path}`, requests, clients: 64, streams: 1, h1: true });
  for (const [name, addr, pid] of [
    ['bare grpc-js unary', env.bare.grpc, env.bare.pid],
    ['GetUser (gRPC)', env.ours.addr, env.ours.pid],
  ] as const) {
    progress(`${name}: ${env.requests} calls, h2load 4 connections x 32 streams`);
    if (env.warm) await grpcRun(addr, Math.min(5000, env.requests)); // warm-up: JIT, connections
    out.push(measurement('unary reads', name, await withServerCpu(pid, () => grpcRun(addr, env.requests))));
  }
  for (const [name, addr, path, pid] of [
    ['bare Node http JSON', env.bare.http, `/v1/users/${env.id}`, env.bare.pid],
    ['GET /v1/users/{id} (gateway)', env.ours.httpAddr, `/v1/users/${env.id}`, env.ours.pid],
  ] as const) {
    progress(`${name}: ${env.requests} calls, h2load 64 HTTP/1.1 connections`);
    if (env.warm) await httpRun(addr, path, Math.min(5000, env.requests));
    out.push(measurement('unary reads', name, await withServerCpu(pid, () => httpRun(addr, path, env.requests))));
  }
  return out;
}
