/** A cursor as the service writes it, on any backend: `partition:offset` pairs. */
export const CURSOR = /^\d+:\d+(,\d+:\d+)*$/;
