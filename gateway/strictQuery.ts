import { InvalidArgumentError } from '../lib/errors';
import { NOT_UTF8 } from '../proto/wireCheck';

/**
 * The query string of a URL, percent-decoded strictly: URLSearchParams turns `%FF` into U+FFFD
 * (the filter or page token the handler sees is then not what was sent); here such a value is
 * refused, naming its parameter, with the message the body and gRPC give for bad UTF-8.
 */
export function strictQuery(url: URL): URLSearchParams {
  const query = new URLSearchParams();
  for (const pair of url.search.slice(1).split('&')) {
    if (pair === '') continue;
    const equals = pair.indexOf('=');
    const key = decode(equals < 0 ? pair : pair.slice(0, equals), 'query parameter name');
    query.append(key, decode(equals < 0 ? '' : pair.slice(equals + 1), key));
  }
  return query;
}

function decode(text: string, field: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    throw new InvalidArgumentError(field, NOT_UTF8);
  }
}
