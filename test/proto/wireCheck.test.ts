import { create, toBinary } from '@bufbuild/protobuf';
import { loadContract } from '../../proto/contract';
import { NOT_UTF8, checkWire } from '../../proto/wireCheck';

const { registry } = loadContract();
const type = (name: string) => registry.getMessage(`userservice.${name}`)!;

describe('checkWire', () => {
  it('passes what a real encoder writes: nested messages, lists, oneofs, an empty message', () => {
    const update = create(type('UpdateUserRequest'), {
      user: { id: 'u1', email: 'zoë@example.com', name: '李小龍', plan: 2 },
      updateMask: { paths: ['name', 'email'] },
      expectedVersion: 3n,
      requestId: 'r',
    });
    expect(checkWire(type('UpdateUserRequest'), toBinary(type('UpdateUserRequest'), update))).toBeUndefined();
    const change = create(type('UserUpdate'), { kind: { case: 'change', value: { requestId: 'r', op: 1, user: { email: 'a@b.co' } } } });
    expect(checkWire(type('UserUpdate'), toBinary(type('UserUpdate'), change))).toBeUndefined();
    expect(checkWire(type('GetUserRequest'), new Uint8Array())).toBeUndefined();
  });

  it('bounds-checks fields it does not know, and passes them', () => {
    // field 99 (a string nobody declared) then GetUserRequest.id
    const bytes = Buffer.from([0x9a, 0x06, 0x02, 0x68, 0x69, 0x0a, 0x01, 0x61]);
    expect(checkWire(type('GetUserRequest'), bytes)).toBeUndefined();
    expect(checkWire(type('GetUserRequest'), bytes.subarray(0, 4))?.field).toBe('request');
  });

  it('names a nested field cut short, and a nested string that is not UTF-8', () => {
    // UpdateUserRequest{user: User{name: 5 bytes said, 2 sent}}
    const cut = Buffer.from([0x0a, 0x04, 0x1a, 0x05, 0x41, 0x64]);
    expect(checkWire(type('UpdateUserRequest'), cut)).toEqual({
      field: 'user.name',
      reason: expect.stringMatching(/^is cut short: its length says 5 bytes but only 2 remain/),
    });
    // UpdateUserRequest{update_mask: FieldMask{paths: [0xC3 0x28]}}
    const bad = Buffer.from([0x12, 0x04, 0x0a, 0x02, 0xc3, 0x28]);
    expect(checkWire(type('UpdateUserRequest'), bad)).toEqual({ field: 'update_mask.paths', reason: NOT_UTF8 });
  });

  it('refuses UTF-8 encoded surrogates (CESU), which some encoders write for emoji', () => {
    const bytes = Buffer.from([0x0a, 0x06, 0xed, 0xa0, 0xbd, 0xed, 0xb8, 0x80]);
    expect(checkWire(type('CreateUserRequest'), bytes)).toEqual({ field: 'email', reason: NOT_UTF8 });
  });

  it('refuses a known field with the wrong wire type (protobufjs would read a varint as a length)', () => {
    expect(checkWire(type('CreateUserRequest'), Buffer.from([0x08, 0x05]))?.reason).toMatch(/field email \(1\) has wire type 0, expected 2/);
  });

  it('refuses a group that is never closed and field number 0', () => {
    expect(checkWire(type('GetUserRequest'), Buffer.from([0x9b, 0x06]))?.reason).toMatch(/never closed/);
    expect(checkWire(type('GetUserRequest'), Buffer.from([0x02, 0x00]))?.reason).toMatch(/field number 0/);
  });
});
