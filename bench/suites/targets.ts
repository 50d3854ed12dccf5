import type { TargetSpec } from './rounds';
import { BATCHED_INSERT } from './sqliteRaw';

/** The rows the targets read, named once: the suites write them, the targets judge them. */
export const ROW = {
  bareUnary: { group: 'unary reads', name: 'bare grpc-js unary' },
  getUser: { group: 'unary reads', name: 'GetUser (gRPC)' },
  bareHttp: { group: 'unary reads', name: 'bare Node http JSON' },
  gatewayGet: { group: 'unary reads', name: 'GET /v1/users/{id} (gateway)' },
  echo1: { group: 'writes, 1 in flight', name: 'bare grpc-js unary (echo)' },
  create1: { group: 'writes, 1 in flight', name: 'CreateUser, embedded (gRPC)' },
  echo64: { group: 'writes, 64 in flight', name: 'bare grpc-js unary (echo)' },
  create64: { group: 'writes, 64 in flight', name: 'CreateUser, embedded (gRPC)' },
  httpPost64: { group: 'writes, 64 in flight', name: 'bare Node http JSON POST (echo)' },
  gatewayPost64: { group: 'writes, 64 in flight', name: 'POST /v1/users, embedded (gateway)' },
  kafka1: { group: 'Kafka writes, 1 in flight', name: 'CreateUser, Kafka (gRPC)' },
  kafka64: { group: 'Kafka writes, 64 in flight', name: 'CreateUser, Kafka (gRPC)' },
  embeddedBesideKafka64: { group: 'Kafka writes, 64 in flight', name: 'CreateUser, embedded (gRPC)' },
  kafkaAtRest: { group: 'at rest', name: 'Kafka-mode server' },
  embeddedAtRest: { group: 'at rest', name: 'embedded-mode server' },
  bareStream: { group: 'streams', name: 'bare grpc-js server stream' },
  imports: (users: number) => ({ group: 'streams', name: `ImportUsers (${users.toLocaleString('en')} users)` }),
  list: (users: number) => ({ group: 'streams', name: `ListUsers (${users.toLocaleString('en')} users)` }),
  rebuild: (events: number) => ({ group: 'replay', name: `rebuild, embedded (${events.toLocaleString('en')} events)` }),
  batchedInsert: { group: 'raw SQLite', name: BATCHED_INSERT },
  restart: (events: number) => ({ group: 'replay', name: `restart to listening with ${events.toLocaleString('en')} users` }),
};

/** Issues 6 and 16: every target, judged on the median of its per-round values (bench/suites/rounds.ts). */
export function targets(users: number, events: number): TargetSpec[] {
  return [
    { name: 'GetUser vs bare grpc-js unary', ours: ROW.getUser, baseline: ROW.bareUnary, target: 0.8, op: '>=' },
    { name: 'GET /v1/users/{id} (gateway) vs bare Node http JSON', ours: ROW.gatewayGet, baseline: ROW.bareHttp, target: 0.6, op: '>=' },
    { name: 'ListUsers vs bare grpc-js streaming', ours: ROW.list(users), baseline: ROW.bareStream, target: 0.8, op: '>=' },
    { name: 'CreateUser embedded, 1 in flight: server CPU per call', ours: ROW.create1, figure: 'serverCpuMs', target: 1, op: '<=', unit: 'ms CPU per call' },
    { name: 'CreateUser embedded vs bare grpc-js unary (echo), 64 in flight', ours: ROW.create64, baseline: ROW.echo64, target: 0.5, op: '>=' },
    { name: 'POST /v1/users (gateway) vs bare Node http POST, 64 in flight', ours: ROW.gatewayPost64, baseline: ROW.httpPost64, target: 0.5, op: '>=' },
    { name: 'ImportUsers on one stream', ours: ROW.imports(users), target: 10_000, op: '>=', unit: 'users/s' },
    { name: 'CreateUser on Kafka, 1 in flight: p50', ours: ROW.kafka1, figure: 'p50ms', target: 8, op: '<=', unit: 'ms' },
    { name: 'CreateUser on Kafka, 1 in flight: server CPU per call', ours: ROW.kafka1, figure: 'serverCpuMs', target: 2, op: '<=', unit: 'ms CPU per call' },
    { name: 'CreateUser on Kafka vs embedded, 64 in flight', ours: ROW.kafka64, baseline: ROW.embeddedBesideKafka64, target: 0.8, op: '>=' },
    { name: 'Kafka-mode server at rest', ours: ROW.kafkaAtRest, target: 1, op: '<=', unit: '% of a core' },
    { name: 'embedded rebuild vs raw SQLite batched insert', ours: ROW.rebuild(events), baseline: ROW.batchedInsert, target: 0.5, op: '>=' },
    { name: `restart to listening with ${events.toLocaleString('en')} users`, ours: ROW.restart(events), target: 1, op: '<', unit: 's' },
  ];
}
