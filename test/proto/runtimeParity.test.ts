import type { DescMessage } from '@bufbuild/protobuf';
import type * as grpc from '@grpc/grpc-js';
import { loadContract } from '../../proto/contract';
import { decodeMessage, encodeMessage, grpcDefinition, messageType, SERVICE_NAME } from '../../proto/schema';
import { populatedMessages } from '../support/populatedMessages';

/**
 * Two protobuf runtimes read the one contract image: protobufjs for every binary message (gRPC
 * through proto-loader, log records, error details) and protobuf-es for the proto3 JSON mapping
 * and the descriptors (README, "One contract image, two runtimes"). A gateway request crosses from
 * one to the other as bytes, so both must write the same bytes for every message of the image.
 */
const { registry, service } = loadContract();
const types = [...registry].filter((desc): desc is DescMessage => desc.kind === 'message');
const samples = populatedMessages(types);
const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

describe('protobufjs and protobuf-es on the contract image', () => {
  it('cover every message type of the image, ours, google/rpc and google/protobuf', () => {
    const names = new Set(samples.map((s) => s.type.typeName));
    expect(names.size).toBe(types.length);
    for (const name of [
      'userservice.User',
      'userservice.Command',
      'userservice.UserEvent',
      'google.rpc.Status',
      'google.rpc.BadRequest',
      'google.protobuf.Timestamp',
    ])
      expect(names).toContain(name);
    // One sample per member of a oneof: Command's four commands and its sealed form, UserEvent's five outcomes and its sealed form.
    expect(samples.filter((s) => s.type.typeName === 'userservice.Command')).toHaveLength(5);
    expect(samples.filter((s) => s.type.typeName === 'userservice.UserEvent')).toHaveLength(6);
  });

  it.each(samples.map((s) => [s.label, s] as const))('encode %s to the same bytes', (_label, { type, esBytes, plain }) => {
    expect(esBytes.length > 0).toBe(type.fields.length > 0); // only a message without fields encodes to nothing
    expect(hex(encodeMessage(messageType(type.typeName), plain))).toBe(hex(esBytes));
  });

  it.each(samples.map((s) => [s.label, s] as const))('decode %s to the plain object and back to the same bytes', (_label, { type, esBytes }) => {
    const protobufjs = messageType(type.typeName);
    expect(hex(encodeMessage(protobufjs, decodeMessage<object>(protobufjs, esBytes)))).toBe(hex(esBytes));
  });

  it('give grpc-js (proto-loader) the same bytes for every request and response of the service', () => {
    const definition = grpcDefinition()[SERVICE_NAME] as grpc.ServiceDefinition;
    const checked: string[] = [];
    for (const method of service.methods) {
      const grpcMethod = definition[method.name];
      const sides = [
        [method.input, grpcMethod.requestSerialize, grpcMethod.requestDeserialize],
        [method.output, grpcMethod.responseSerialize, grpcMethod.responseDeserialize],
      ] as const;
      for (const [type, serialize, deserialize] of sides) {
        for (const { esBytes, plain } of samples.filter((s) => s.type === type)) {
          expect(hex(serialize(plain))).toBe(hex(esBytes));
          expect(hex(serialize(deserialize(Buffer.from(esBytes))))).toBe(hex(esBytes));
          checked.push(type.typeName);
        }
      }
    }
    expect(new Set(checked).size).toBeGreaterThanOrEqual(service.methods.length);
  });
});
