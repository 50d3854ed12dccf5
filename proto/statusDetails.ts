import type protobuf from 'protobufjs';
import { encodeMessage, messageType } from './schema';

export interface FieldViolation {
  field: string;
  description: string;
}

export interface ErrorInfo {
  reason: string;
  domain: string;
  metadata: Record<string, string>;
}

/** What a status can say besides its code and message (google.rpc error details). */
export interface StatusDetails {
  badRequest?: { field_violations: FieldViolation[] };
  errorInfo?: ErrorInfo;
}

const TYPE_PREFIX = 'type.googleapis.com/';

/** The google.rpc types, from the same root as the log records (the contract image holds google/rpc). */
const types = () => ({
  status: messageType('google.rpc.Status'),
  badRequest: messageType('google.rpc.BadRequest'),
  errorInfo: messageType('google.rpc.ErrorInfo'),
});

/** The bytes of the `grpc-status-details-bin` trailer: a google.rpc.Status with the details packed as Any. */
export function encodeStatusDetails(code: number, message: string, details: StatusDetails): Buffer {
  const t = types();
  const any = (type: protobuf.Type, value: object) => ({ type_url: TYPE_PREFIX + type.fullName.slice(1), value: encodeMessage(type, value) });
  const packed = [];
  if (details.badRequest) packed.push(any(t.badRequest, details.badRequest));
  if (details.errorInfo) packed.push(any(t.errorInfo, details.errorInfo));
  return encodeMessage(t.status, { code, message, details: packed });
}

/** Reads the details back out of a `grpc-status-details-bin` value (unknown detail types are skipped). */
export function decodeStatusDetails(bytes: Buffer): StatusDetails & { code: number; message: string } {
  const t = types();
  const status = t.status.toObject(t.status.decode(bytes), { defaults: true }) as {
    code: number;
    message: string;
    details: Array<{ type_url: string; value: Uint8Array }>;
  };
  const out: StatusDetails & { code: number; message: string } = { code: status.code, message: status.message };
  for (const detail of status.details) {
    const name = detail.type_url.slice(detail.type_url.lastIndexOf('/') + 1);
    if (name === 'google.rpc.BadRequest')
      out.badRequest = badRequestOf(t.badRequest.toObject(t.badRequest.decode(detail.value), { defaults: true }) as { field_violations: FieldViolation[] });
    if (name === 'google.rpc.ErrorInfo') out.errorInfo = t.errorInfo.toObject(t.errorInfo.decode(detail.value), { defaults: true, objects: true }) as ErrorInfo;
  }
  return out;
}

/** The fields this service fills: upstream's FieldViolation also has `reason` and
 * `localized_message`, which would otherwise show up as '' and null in every error. */
const badRequestOf = (value: { field_violations: FieldViolation[] }): StatusDetails['badRequest'] => ({
  field_violations: value.field_violations.map(({ field, description }) => ({ field, description })),
});
