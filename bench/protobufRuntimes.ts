/**
 * Why two protobuf runtimes read the contract image (README, "One contract image, two runtimes"):
 * encode and decode of User, Command and UserEvent in protobufjs (as the service calls it: from
 * and to the plain objects handlers hold) and in protobuf-es (from and to its own messages), and
 * what each writes as JSON for the same message.
 *
 *   npm run bench:protobuf
 */
import { create, fromBinary, toBinary, toJson, type DescMessage } from '@bufbuild/protobuf';
import { loadContract } from '../proto/contract';
import { decodeMessage, encodeMessage, messageType } from '../proto/schema';

const { registry } = loadContract();
const at = { seconds: 1_764_000_123, nanos: 456_000_000 };
const user = { id: 'V1StGXR8_Z5jdHi6B-myT', email: 'grace@example.com', name: 'Grace Hopper', plan: 2, created_at: at, updated_at: at, version: 3 };

/** Realistic messages as the service holds them (plain objects, proto field names, int64 as numbers). */
const MESSAGES: [string, object][] = [
  ['userservice.User', user],
  [
    'userservice.Command',
    { command_id: 'c-V1StGXR8_Z5jdHi6B-my', request_id: 'r-1', issued_at: at, create_user: { user_id: user.id, email: user.email, name: user.name, plan: 2 } },
  ],
  [
    'userservice.UserEvent',
    {
      command_id: 'c-V1StGXR8_Z5jdHi6B-my',
      request_id: 'r-1',
      occurred_at: at,
      user_updated: { user, changed_paths: ['name', 'plan'], previous: { ...user, version: 2 } },
    },
  ],
];

/** CPU nanoseconds per call of each function: the fastest of 15 rounds, the functions taking turns
 * in every round. CPU time, not wall time, and the minimum: on a shared machine a round that lost
 * the core to a neighbour does not count against the function it measured. */
function nsPerCall(fns: (() => unknown)[], calls = 20_000): number[] {
  const best = fns.map(() => Infinity);
  for (let round = 0; round < 16; round++) {
    fns.forEach((fn, i) => {
      const start = process.cpuUsage();
      for (let n = 0; n < calls; n++) fn();
      const { user, system } = process.cpuUsage(start);
      // Round 0 warms the code up (V8 compiles it optimised) and is not counted.
      if (round > 0) best[i] = Math.min(best[i], ((user + system) * 1000) / calls);
    });
  }
  return best;
}

function row(name: string, plain: object): string {
  const pj = messageType(name);
  const es = registry.getMessage(name) as DescMessage;
  const bytes = encodeMessage(pj, plain);
  const esMessage = fromBinary(es, bytes);
  const cells = nsPerCall([
    () => encodeMessage(pj, plain),
    () => toBinary(es, esMessage),
    () => toBinary(es, create(es, esMessage)),
    () => decodeMessage(pj, bytes),
    () => fromBinary(es, bytes),
  ]);
  return `| ${name} (${bytes.length} B) | ${cells.map((ns) => `${Math.round(ns).toLocaleString('en-US')} ns`).join(' | ')} |`;
}

console.log(`node ${process.version}, CPU ns per call (lower is better)\n`);
console.log(
  '| message | protobufjs encode (plain object) | protobuf-es toBinary | protobuf-es create + toBinary | protobufjs decode (to plain object) | protobuf-es fromBinary |',
);
console.log('| --- | --- | --- | --- | --- | --- |');
for (const [name, plain] of MESSAGES) console.log(row(name, plain));

// The same UpdateUserRequest as JSON: protobufjs's toObject with its JSON-ish options, and the proto3 JSON mapping.
const update = { user, update_mask: { paths: ['name', 'created_at'] }, expected_version: 2 ** 40, request_id: 'r-2' };
const updateType = messageType('userservice.UpdateUserRequest');
const updateBytes = encodeMessage(updateType, update);
const protobufjsJson = updateType.toObject(updateType.decode(updateBytes), { longs: String, enums: String, json: true });
const protoJson = toJson(
  registry.getMessage('userservice.UpdateUserRequest') as DescMessage,
  fromBinary(registry.getMessage('userservice.UpdateUserRequest') as DescMessage, updateBytes),
);
console.log(`\nprotobufjs toObject({ json: true, longs: String, enums: String }):\n${JSON.stringify(protobufjsJson)}`);
console.log(`protobuf-es toJson (proto3 JSON mapping):\n${JSON.stringify(protoJson)}`);
