import { Code } from '../../lib/code';
import { ServiceError, toStatus } from '../../lib/errors';
import type { DescriptorIndex } from './descriptorIndex';

/** A ServerReflectionRequest as grpc-js hands it over (proto field names, the oneof's case named). */
export interface ReflectionRequest {
  host: string;
  message_request?: 'file_by_filename' | 'file_containing_symbol' | 'file_containing_extension' | 'all_extension_numbers_of_type' | 'list_services';
  file_by_filename?: string;
  file_containing_symbol?: string;
  file_containing_extension?: { containing_type: string; extension_number: number };
  all_extension_numbers_of_type?: string;
  list_services?: string;
}

/** The ServerReflectionResponse to it; v1 and v1alpha have the same messages. */
export interface ReflectionResponse {
  valid_host: string;
  original_request: ReflectionRequest;
  file_descriptor_response?: { file_descriptor_proto: Uint8Array[] };
  all_extension_numbers_response?: { base_type_name: string; extension_number: number[] };
  list_services_response?: { service: Array<{ name: string }> };
  error_response?: { error_code: number; error_message: string };
}

/** What a server describes: its files, and the services it serves (in the order listed). */
export interface ServedDescriptors {
  index: DescriptorIndex;
  services: string[];
}

/**
 * Answers one request of a reflection stream. A file comes with the files it imports that this
 * stream has not been sent yet (`sent`), as grpc-go's server does; a failed lookup is an
 * error_response in the stream, which goes on.
 */
export function answerReflection(
  served: ServedDescriptors,
  request: ReflectionRequest,
  sent: Set<string>,
  report: (error: unknown) => void,
): ReflectionResponse {
  const { index, services } = served;
  const response: ReflectionResponse = { valid_host: request.host, original_request: request };
  const files = (name: string) => ({ file_descriptor_proto: index.encodedWithImports(name, sent) });
  try {
    switch (request.message_request) {
      case 'list_services':
        response.list_services_response = { service: services.map((name) => ({ name })) };
        break;
      case 'file_by_filename':
        response.file_descriptor_response = files(index.fileByName(request.file_by_filename ?? ''));
        break;
      case 'file_containing_symbol':
        response.file_descriptor_response = files(index.fileContainingSymbol(request.file_containing_symbol ?? ''));
        break;
      case 'file_containing_extension': {
        const { containing_type = '', extension_number = 0 } = request.file_containing_extension ?? {};
        response.file_descriptor_response = files(index.fileContainingExtension(containing_type, extension_number));
        break;
      }
      case 'all_extension_numbers_of_type': {
        const type = request.all_extension_numbers_of_type ?? '';
        response.all_extension_numbers_response = { base_type_name: type, extension_number: index.extensionNumbersOf(type) };
        break;
      }
      default:
        throw new ServiceError(Code.UNIMPLEMENTED, `unknown reflection request ${String(request.message_request)}`);
    }
  } catch (error) {
    const { code, message } = toStatus(error, report);
    response.error_response = { error_code: code, error_message: message };
  }
  return response;
}
