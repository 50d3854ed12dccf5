import { createHash } from 'node:crypto';
import { InvalidArgumentError } from '../lib/errors';

interface TokenBody {
  /** The last id of the previous page. */
  after: string;
  /** A digest of the filter, so a token is refused with a different one (AIP-158). */
  filter: string;
}

const digest = (filter: string) => createHash('sha256').update(filter).digest('base64url').slice(0, 16);

export function encodePageToken(after: string, filter: string): string {
  const body: TokenBody = { after, filter: digest(filter) };
  return Buffer.from(JSON.stringify(body)).toString('base64url');
}

/** The id to continue after; '' for no token. */
export function decodePageToken(token: string, filter: string): string {
  if (token === '') return '';
  let body: TokenBody;
  try {
    body = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as TokenBody;
  } catch {
    throw new InvalidArgumentError('page_token', 'not a token this service issued');
  }
  if (typeof body?.after !== 'string' || typeof body.filter !== 'string') {
    throw new InvalidArgumentError('page_token', 'not a token this service issued');
  }
  if (body.filter !== digest(filter)) {
    throw new InvalidArgumentError('page_token', 'was issued for another filter; send the same filter as the first page');
  }
  return body.after;
}
