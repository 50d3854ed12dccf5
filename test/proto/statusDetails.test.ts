import { create, fromBinary, toBinary, toJson, type DescMessage } from '@bufbuild/protobuf';
import { anyPack } from '@bufbuild/protobuf/wkt';
import { loadContract } from '../../proto/contract';
import { decodeStatusDetails, encodeStatusDetails } from '../../proto/statusDetails';

/**
 * The `grpc-status-details-bin` trailer read as generic code reads it: a registry of every
 * google.rpc error detail (here the build's descriptor image of proto/, as buf builds it) and
 * `toJson`, which names each detail's type. A detail type missing from proto/ makes that throw.
 */
const { registry } = loadContract();
const message = (name: string): DescMessage => {
  const desc = registry.getMessage(name);
  if (!desc) throw new Error(`${name} is not in the descriptor image of proto/`);
  return desc;
};

const DETAIL_TYPES = [
  'ErrorInfo',
  'RetryInfo',
  'DebugInfo',
  'QuotaFailure',
  'PreconditionFailure',
  'BadRequest',
  'RequestInfo',
  'ResourceInfo',
  'Help',
  'LocalizedMessage',
];

describe('google.rpc error details', () => {
  it('has every standard detail type of google/rpc/error_details.proto', () => {
    expect(DETAIL_TYPES.filter((name) => !registry.getMessage(`google.rpc.${name}`))).toEqual([]);
  });

  it('decodes the details this service sends with a generic registry', () => {
    const bytes = encodeStatusDetails(3, 'email: is required', {
      badRequest: { field_violations: [{ field: 'email', description: 'is required' }] },
      errorInfo: { reason: 'INVALID_ARGUMENT', domain: 'userservice', metadata: { field: 'email' } },
    });
    const status = message('google.rpc.Status');
    expect(toJson(status, fromBinary(status, bytes), { registry })).toEqual({
      code: 3,
      message: 'email: is required',
      details: [
        { '@type': 'type.googleapis.com/google.rpc.BadRequest', fieldViolations: [{ field: 'email', description: 'is required' }] },
        { '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'INVALID_ARGUMENT', domain: 'userservice', metadata: { field: 'email' } },
      ],
    });
  });

  it('reads a status that also carries RetryInfo: generic code decodes it, our decoder skips it', () => {
    const retryInfo = message('google.rpc.RetryInfo');
    const badRequest = message('google.rpc.BadRequest');
    const status = message('google.rpc.Status');
    const details = [
      anyPack(retryInfo, create(retryInfo, { retryDelay: { seconds: 1n, nanos: 500_000_000 } })),
      anyPack(badRequest, create(badRequest, { fieldViolations: [{ field: 'id', description: 'is required' }] })),
    ];
    const bytes = Buffer.from(toBinary(status, create(status, { code: 14, message: 'try later', details })));
    expect(toJson(status, fromBinary(status, bytes), { registry })).toMatchObject({
      details: [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '1.500s' }, { '@type': 'type.googleapis.com/google.rpc.BadRequest' }],
    });
    expect(decodeStatusDetails(bytes)).toEqual({
      code: 14,
      message: 'try later',
      badRequest: { field_violations: [{ field: 'id', description: 'is required' }] },
    });
  });
});
