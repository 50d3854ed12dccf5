/**
 * The baselines, in a process of their own like our server: a bare grpc-js server and a bare
 * Node http JSON server, answering the same `User` (same message, same JSON) with no work at all,
 * and a bare SyncUsers fan-out (each CreateUser written to every subscriber).
 * Prints one JSON line `{"grpc": addr, "http": addr}` when both listen.
 */
import * as grpc from '@grpc/grpc-js';
import http from 'node:http';
import { SERVICE_NAME, grpcDefinition } from '../../proto/schema';
import { encodeOnce } from '../../runtime/grpc/encodeOnce';
import { benchUser, benchUserJson } from './benchUser';

const user = benchUser(1);
const userJson = JSON.stringify(benchUserJson(1));

function startGrpc(): Promise<string> {
  const server = new grpc.Server();
  const service = grpcDefinition()[SERVICE_NAME] as grpc.ServiceDefinition;
  const echo: grpc.handleUnaryCall<unknown, unknown> = (_call, callback) => callback(null, user);
  // Streams `page_size` users with flow control, as ListUsers must; the same message each time.
  const list = async (call: grpc.ServerWritableStream<{ page_size: number }, unknown>) => {
    for (let i = 0; i < call.request.page_size; i++) {
      if (!call.write(user)) await new Promise((resolve) => call.once('drain', resolve));
    }
    call.end();
  };
  // The fan-out floor: every SyncUsers stream that subscribed gets `caught_up`, then each
  // CreateUser is written to all of them as one result object (encoded once, as ours is): no
  // log, no filter, no flow control; the transport's own cost per delivery.
  const subscribers = new Set<grpc.ServerDuplexStream<unknown, unknown>>();
  const sync = (call: grpc.ServerDuplexStream<unknown, unknown>) => {
    call.once('data', () => (subscribers.add(call), call.write({ caught_up: { cursor: '' } })));
    call.on('error', () => subscribers.delete(call));
    call.on('cancelled', () => subscribers.delete(call));
  };
  const create: grpc.handleUnaryCall<{ name: string }, unknown> = (call, callback) => {
    const result = { event: { type: 2, user: { ...user, name: call.request.name }, cursor: '' } };
    for (const subscriber of subscribers) subscriber.write(result);
    callback(null, user);
  };
  const syncMethod = { ...service.SyncUsers, responseSerialize: encodeOnce(service.SyncUsers.responseSerialize) };
  server.addService({ ...service, SyncUsers: syncMethod }, {
    GetUser: echo,
    CreateUser: create,
    ListUsers: list,
    SyncUsers: sync,
  } as grpc.UntypedServiceImplementation);
  return new Promise((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, port) => (e ? reject(e) : resolve(`127.0.0.1:${port}`))),
  );
}

function startHttp(): Promise<string> {
  const server = http.createServer((req, res) => {
    if (req.method === 'GET') {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(userJson) }).end(userJson);
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = JSON.stringify({ ...JSON.parse(userJson), ...JSON.parse(Buffer.concat(chunks).toString() || '{}') });
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }).end(body);
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(`127.0.0.1:${(server.address() as { port: number }).port}`)));
}

void Promise.all([startGrpc(), startHttp()]).then(([grpcAddr, httpAddr]) => console.log(JSON.stringify({ grpc: grpcAddr, http: httpAddr })));
