import type { ServiceDeps } from '../events/serviceDeps';

/**
 * What a handler gets besides its request. No transport types: the runtime adapts handlers to
 * grpc-js (and could to Lambda or tests) by building one of these.
 */
export interface HandlerContext {
  deps: ServiceDeps;
  /** ms since the epoch by which the call must be answered (the server's default applies when the client sent none). */
  deadline: number;
  /** Aborts when the call ends early: cancelled by the client, past its deadline, or server shutdown. */
  signal: AbortSignal;
  /** A request metadata value (the first, for keys sent more than once). */
  metadata(key: string): string | undefined;
  /** Sets a trailing metadata value, sent with the call's status. */
  setTrailer(key: string, value: string): void;
  /**
   * PERMISSION_DENIED (or UNAUTHENTICATED) unless the caller may do one of `actions`: an RPC
   * name, or `SyncUsers.subscribe` / `SyncUsers.change` for what a stream carries. A no-op when
   * the server runs without an access policy.
   */
  authorize(...actions: string[]): void;
}

/** Metadata keys of our read-your-writes protocol. */
export const CURSOR_TRAILER = 'users-cursor';
export const MIN_CURSOR_HEADER = 'users-min-cursor';
/** `strong`: wait until the view has applied everything the log held when the call arrived. */
export const CONSISTENCY_HEADER = 'users-consistency';
export const NEXT_PAGE_TRAILER = 'next-page-token';
