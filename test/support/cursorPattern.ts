/** A cursor as the service writes it, on any backend: `partition:offset` pairs, then `@` and the log's identity. */
export const CURSOR = /^\d+:\d+(,\d+:\d+)*@[A-Za-z0-9_-]{12}$/;
