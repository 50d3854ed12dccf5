import http2 from 'node:http2';
import { encodeMessage, messageType } from '../../proto/schema';
import { grpcFrame } from './h2load';

/**
 * A unary gRPC call over a bare HTTP/2 session: encode, frame, send, read the status. A fraction
 * of a grpc-js client's CPU per call, so the load generator stays out of the measurement.
 */
export function rawGrpcCaller(addr: string, method: string, requestType: string): { call(request: object): Promise<void>; close(): void } {
  const session = http2.connect(`http://${addr}`);
  const type = messageType(requestType);
  const path = `/userservice.UserService/${method}`;
  return {
    call: (request) =>
      new Promise((resolve, reject) => {
        const stream = session.request({ ':method': 'POST', ':path': path, 'content-type': 'application/grpc', te: 'trailers', 'grpc-timeout': '30S' });
        let status: string | undefined;
        let message = '';
        const takeStatus = (fields: http2.IncomingHttpHeaders) => {
          status = String(fields['grpc-status']);
          message = String(fields['grpc-message'] ?? '');
        };
        stream.on('response', (headers) => {
          // A trailers-only answer (an error) carries the status in the headers.
          if (headers['grpc-status'] !== undefined) takeStatus(headers);
        });
        stream.on('trailers', takeStatus);
        stream.on('data', () => {});
        stream.on('error', reject);
        stream.on('close', () => (status === '0' ? resolve() : reject(new Error(`grpc-status ${status}: ${decodeURIComponent(message)}`))));
        stream.end(grpcFrame(encodeMessage(type, request)));
      }),
    close: () => session.close(),
  };
}
