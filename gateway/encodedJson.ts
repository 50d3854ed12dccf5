/**
 * The JSON text of encoded messages, by their bytes: GetUser answers with the bytes the view
 * keeps for a user's version, so the same bytes come back until the user changes, and their
 * JSON (a protobuf decode, the proto3 JSON mapping, a stringify) is worked out once per version
 * rather than once per call. Keyed by the bytes themselves, so an entry can never be stale:
 * other bytes are another key. Bounded: past `limit` entries the oldest goes first.
 */
export class EncodedJsonCache {
  private readonly texts = new Map<string, string>();

  constructor(private readonly limit = 10_000) {}

  /** The text of `bytes`, from `toText` the first time. */
  text(bytes: Buffer, toText: (bytes: Buffer) => string): string {
    // A latin1 string holds each byte as one character: a compact key that is equal only for equal bytes.
    const key = bytes.toString('latin1');
    let text = this.texts.get(key);
    if (text === undefined) {
      text = toText(bytes);
      if (this.texts.size >= this.limit) this.texts.delete(this.texts.keys().next().value as string);
      this.texts.set(key, text);
    }
    return text;
  }
}
