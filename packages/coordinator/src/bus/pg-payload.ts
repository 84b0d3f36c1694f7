// PostgreSQL's NOTIFY carries at most 8000 bytes per payload. A longer message (a stream piece
// may be 64 KiB, more once JSON-escaped) goes out as numbered parts, all in one statement so
// that they are delivered together and in order, and is put back together on arrival. A message
// past MAX_MESSAGE_BYTES is refused: nothing on the bus should be that big.

/** Bytes of one NOTIFY payload (the server's limit is 8000, exclusive), header included. */
export const PART_BYTES = 7_900;
export const MAX_MESSAGE_BYTES = 1024 * 1024;
/** A part header: `+<message id>:<index>:<count>:`, well under 100 bytes. */
const HEADER_ROOM = 100;
/** Parts of a message not completed within this time are dropped (their connection was lost). */
const PARTIAL_TTL_MS = 30_000;

/** The payloads of one message: itself marked whole, or its parts. */
export function splitMessage(message: string, messageId: string): string[] {
  const bytes = Buffer.byteLength(message);
  if (bytes > MAX_MESSAGE_BYTES) throw new RangeError(`a bus message may be at most ${MAX_MESSAGE_BYTES} bytes, got ${bytes}`);
  if (bytes + 1 <= PART_BYTES) return [`=${message}`];
  const parts: string[] = [];
  let start = 0;
  let size = 0;
  for (let at = 0; at < message.length; ) {
    const code = message.codePointAt(at)!;
    const width = code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
    const units = code >= 0x10000 ? 2 : 1; // a surrogate pair is never cut in two
    if (size + width > PART_BYTES - HEADER_ROOM) {
      parts.push(message.slice(start, at));
      start = at;
      size = 0;
    }
    size += width;
    at += units;
  }
  parts.push(message.slice(start));
  return parts.map((part, index) => `+${messageId}:${index}:${parts.length}:${part}`);
}

/** Puts parted messages back together; whole ones pass straight through. */
export class Reassembler {
  private readonly partial = new Map<string, { parts: string[]; received: number; startedAt: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  /** The complete message this payload finishes, or null (a part of one still arriving, or garbage). */
  accept(payload: string): string | null {
    if (payload.startsWith('=')) return payload.slice(1);
    const match = /^\+([^:]+):(\d+):(\d+):/.exec(payload);
    if (!match) return null;
    const [header, messageId, indexText, countText] = match;
    const index = Number(indexText);
    const count = Number(countText);
    if (index >= count) return null;
    this.prune();
    let message = this.partial.get(messageId!);
    if (!message) this.partial.set(messageId!, (message = { parts: new Array<string>(count), received: 0, startedAt: this.now() }));
    if (message.parts[index] === undefined) message.received++;
    message.parts[index] = payload.slice(header.length);
    if (message.received < count) return null;
    this.partial.delete(messageId!);
    return message.parts.join('');
  }

  /** Forgets half-received messages (their rest was lost with a connection). */
  clear(): void {
    this.partial.clear();
  }

  private prune(): void {
    const now = this.now();
    for (const [id, message] of this.partial) if (now - message.startedAt > PARTIAL_TTL_MS) this.partial.delete(id);
  }
}
