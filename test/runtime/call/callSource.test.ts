import { peerAddress } from '../../../runtime/call/callSource';

describe('peerAddress', () => {
  it('spells a client address one way for every transport: host:port, IPv6 in brackets, mapped IPv4 as IPv4', () => {
    expect(peerAddress('127.0.0.1', 51234)).toBe('127.0.0.1:51234');
    expect(peerAddress('::1', 51234)).toBe('[::1]:51234');
    expect(peerAddress('::ffff:10.0.0.7', 443)).toBe('10.0.0.7:443');
    expect(peerAddress(undefined, undefined)).toBe('unknown');
  });
});
