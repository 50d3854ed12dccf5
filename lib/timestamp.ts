/** google.protobuf.Timestamp as proto-loader and protobufjs hand it over (longs as numbers). */
export interface Timestamp {
  seconds: number;
  nanos: number;
}

export function timestampFromMillis(ms: number): Timestamp {
  const seconds = Math.floor(ms / 1000);
  return { seconds, nanos: (ms - seconds * 1000) * 1_000_000 };
}

export function millisFromTimestamp(ts: Timestamp | null | undefined): number {
  if (!ts) return 0;
  return Number(ts.seconds) * 1000 + Math.floor(Number(ts.nanos) / 1_000_000);
}
