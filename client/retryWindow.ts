/**
 * The longest the client library keeps sending a write again (same request_id) after UNAVAILABLE,
 * whatever the call's deadline. The service keeps request-id outcomes at least this long
 * (--request-id-retention refuses less), so every resend of the library is answered by its first
 * outcome rather than applied again.
 */
export const WRITE_RETRY_WINDOW_MS = 10 * 60_000;
