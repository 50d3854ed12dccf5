import type { IncomingMessage } from 'node:http';

/** Request headers a browser may send (the call metadata the service reads). */
const ALLOWED_HEADERS = 'authorization, content-type, grpc-timeout, last-event-id, traceparent, users-consistency, users-min-cursor, x-request-id';
/** Response headers a browser may read. */
const EXPOSED_HEADERS = 'users-cursor, x-request-id';

/**
 * Cross-origin access for browsers on other origins: none unless --cors-origins lists the origin
 * (or is `*`). Same-origin pages, like the one the gateway serves, need none of it.
 */
export class CorsPolicy {
  private readonly any: boolean;
  private readonly origins: Set<string>;

  constructor(origins: string[]) {
    this.any = origins.includes('*');
    this.origins = new Set(origins);
  }

  /** Headers for an answer to `req`: the allow-origin when its Origin may call us. */
  headers(req: IncomingMessage): Record<string, string> {
    const origin = req.headers.origin;
    if (!origin || !(this.any || this.origins.has(origin))) return {};
    return { 'access-control-allow-origin': this.any ? '*' : origin, 'access-control-expose-headers': EXPOSED_HEADERS, vary: 'Origin' };
  }

  /** Headers for a preflight (OPTIONS) from `req`. */
  preflight(req: IncomingMessage): Record<string, string> {
    const base = this.headers(req);
    if (!base['access-control-allow-origin']) return {};
    return {
      ...base,
      'access-control-allow-methods': 'GET, POST, PATCH, DELETE',
      'access-control-allow-headers': ALLOWED_HEADERS,
      'access-control-max-age': '600',
    };
  }
}
