/**
 * The contract's size claim as numbers: the same `User`, and a list of 1,000 users, as gRPC sends
 * them (protobuf, each message in its 5-byte gRPC frame) and as the REST gateway sends them (proto3
 * JSON: one document, or NDJSON lines), raw and gzip'd. Encoded by the service's own code paths.
 *
 *   npm run bench:sizes
 */
import { gzipSync } from 'node:zlib';
import type * as grpc from '@grpc/grpc-js';
import { loadContract } from '../proto/contract';
import { MethodTranscoder } from '../gateway/transcoder';
import { SERVICE_NAME, grpcDefinition } from '../proto/schema';
import { UserPlan, type User } from '../proto/messages';

const contract = loadContract();
const getUser = grpcDefinition()[SERVICE_NAME] as grpc.ServiceDefinition;
const method = contract.service.methods.find((m) => m.name === 'GetUser')!;
const transcoder = new MethodTranscoder(method, getUser.GetUser, contract.registry);

/** Deterministic pseudo-random numbers (mulberry32), so ids compress like real random ids and runs agree. */
let seed = 42;
const random = () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const ALPHABET = 'useandom-26T198340PX75pxJACKVERYMINDBUSHWOLF_GQZbfghjklqvwyzrict';

/** A user as the service makes them: a 21-character nanoid, a typical email and name, real timestamps. */
function user(i: number): User {
  const at = { seconds: 1_764_000_000 + Math.floor(random() * 1e7), nanos: Math.floor(random() * 1000) * 1_000_000 };
  const id = Array.from({ length: 21 }, () => ALPHABET[Math.floor(random() * 64)]).join('');
  return { id, email: `user${i}@example.com`, name: `User Number ${i}`, plan: UserPlan.USER_PLAN_PRO, created_at: at, updated_at: at, version: 1 + (i % 5) };
}

const protobuf = (u: User) => getUser.GetUser.responseSerialize(u) as Buffer;
const frame = (bytes: Buffer) => bytes.length + 5; // gRPC length-prefixed message
const json = (u: User) => JSON.stringify(transcoder.response(u));
const gz = (text: string | Buffer) => gzipSync(text).length;

const one = user(7);
const users = Array.from({ length: 1000 }, (_, i) => user(i));
const protoList = Buffer.concat(users.map((u) => protobuf(u)));
const jsonDocument = `{"users":[${users.map(json).join(',')}],"usersCursor":"0:1000"}`;
const ndjson = users.map((u) => `{"result":${json(u)}}\n`).join('');
const protoFramed = users.reduce((sum, u) => sum + frame(protobuf(u)), 0);
// gRPC compresses each message on its own (grpc-encoding: gzip), not the whole stream.
const protoFramedGzip = users.reduce((sum, u) => sum + gz(protobuf(u)) + 5, 0);

const rows: [string, number, number][] = [
  ['one User, protobuf (gRPC frame)', frame(protobuf(one)), gz(protobuf(one)) + 5],
  ['one User, JSON (gateway)', Buffer.byteLength(json(one)), gz(json(one))],
  ['1,000 users, protobuf (ListUsers stream, per-message frames)', protoFramed, protoFramedGzip],
  ['1,000 users, JSON document (gateway default)', Buffer.byteLength(jsonDocument), gz(jsonDocument)],
  ['1,000 users, NDJSON (gateway, Accept: application/x-ndjson)', Buffer.byteLength(ndjson), gz(ndjson)],
];
const base = rows[0][1];
const baseList = rows[2][1];
console.log('| payload | bytes | gzip bytes | vs protobuf |');
console.log('| --- | --- | --- | --- |');
for (const [name, bytes, gzip] of rows) {
  const against = name.startsWith('one') ? base : baseList;
  console.log(`| ${name} | ${bytes.toLocaleString('en')} | ${gzip.toLocaleString('en')} | ${(bytes / against).toFixed(2)}x |`);
}
console.log(
  `\nbody only, without frames: User protobuf ${protobuf(one).length} B, JSON ${Buffer.byteLength(json(one))} B; whole 1,000-user protobuf stream gzip'd at once: ${gz(protoList).toLocaleString('en')} B`,
);
