import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { PermissionDeniedError, UnauthenticatedError } from '../../lib/errors';
import { ConfigError } from '../../lib/startupErrors';
import { loadContract, type Contract } from '../../proto/contract';

/** The RPC that carries both reads and writes, each message authorized as one of its two halves. */
const SYNC = 'SyncUsers';

/**
 * RPCs granted by name only, never with `read` or `write`: GetUserKeys hands out the keys that open
 * every past record of the log, for the few subscribers that read the log themselves.
 */
const GRANTED_BY_NAME = new Set(['GetUserKeys']);

/**
 * What each permission lets a caller do: RPC names, and the two halves of SyncUsers. Read from
 * the contract, so a new RPC needs no entry here: `read` is every RPC bound to HTTP GET (which
 * the contract's HTTP rules reserve for calls without side effects), `write` every other, but
 * those GRANTED_BY_NAME.
 */
export function permissions(contract: Contract = loadContract()): Record<'read' | 'write', string[]> {
  const read = [`${SYNC}.subscribe`];
  const write = [`${SYNC}.change`];
  for (const { method, verb } of contract.bindings) {
    if (method.name !== SYNC && !GRANTED_BY_NAME.has(method.name)) (verb === 'GET' ? read : write).push(method.name);
  }
  return { read, write };
}

/** What opening a call of `method` needs the caller to be allowed (SyncUsers: either half). */
export const actionsFor = (method: string): string[] => (method === SYNC ? [`${SYNC}.subscribe`, `${SYNC}.change`] : [method]);

/** How a call presents itself: its bearer token and its client certificate's subject, if any. */
export interface Credentials {
  bearer?: string;
  certificateSubject?: string;
}

interface PolicyFile {
  tokens?: Record<string, string>;
  certificates?: Record<string, string>;
  grants?: Record<string, string[]>;
}

/**
 * Who may call what, from the --authz file:
 *   tokens:        identity -> SHA-256 (hex) of its bearer token (`authorization: Bearer <token>`)
 *   certificates:  client certificate subject CN -> identity (with --require-client-cert)
 *   grants:        identity -> permissions (`read`, `write`) or action names (`GetUser`, `SyncUsers.change`)
 * Tokens are kept as digests so the file holds no secret.
 */
export class AccessPolicy {
  private constructor(
    private readonly tokens: Map<string, string>,
    private readonly certificates: Map<string, string>,
    private readonly grants: Map<string, Set<string>>,
  ) {}

  static load(file: string): AccessPolicy {
    let doc: PolicyFile;
    try {
      doc = (parse(readFileSync(file, 'utf8')) ?? {}) as PolicyFile;
    } catch (error) {
      throw new ConfigError(`--authz ${file} cannot be read as a policy: ${(error as Error).message}`, { cause: error });
    }
    const tokens = new Map(Object.entries(doc.tokens ?? {}).map(([identity, digest]) => [String(digest).toLowerCase(), identity]));
    const grants = new Map<string, Set<string>>();
    const byPermission: Record<string, string[]> = permissions();
    for (const [identity, granted] of Object.entries(doc.grants ?? {})) {
      const actions = new Set<string>();
      for (const g of granted ?? []) (byPermission[g] ?? [g]).forEach((a) => actions.add(a));
      grants.set(identity, actions);
    }
    return new AccessPolicy(tokens, new Map(Object.entries(doc.certificates ?? {})), grants);
  }

  /** The identity behind a call's credentials, or UNAUTHENTICATED. A token wins over a certificate. */
  identify(credentials: Credentials): string {
    if (credentials.bearer !== undefined) {
      const identity = this.tokens.get(createHash('sha256').update(credentials.bearer).digest('hex'));
      if (!identity) throw new UnauthenticatedError('the bearer token is not known to this service');
      return identity;
    }
    if (credentials.certificateSubject) {
      const identity = this.certificates.get(credentials.certificateSubject);
      if (!identity) throw new UnauthenticatedError(`the client certificate "${credentials.certificateSubject}" is not known to this service`);
      return identity;
    }
    throw new UnauthenticatedError('no credentials: send metadata "authorization: Bearer <token>" or a client certificate');
  }

  /** PERMISSION_DENIED unless `identity` may do any of `actions`. */
  authorize(identity: string, ...actions: string[]): void {
    const granted = this.grants.get(identity);
    if (!actions.some((a) => granted?.has(a))) throw new PermissionDeniedError(`${identity} may not call ${actions.join(' or ')}`);
  }
}
