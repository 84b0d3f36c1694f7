// Splits a streamed HTTP body into text lines whatever the chunk boundaries: a line, or a
// multi-byte UTF-8 character, may arrive cut across two reads. Handles `\n` and `\r\n` endings.

export interface LineWatch {
  /** Told true before each read and false after, so a silence timeout runs only while waiting on the server. */
  (waiting: boolean): void;
}

export async function* readLines(body: ReadableStream<Uint8Array>, watch?: LineWatch): AsyncGenerator<string> {
  const reader = body.getReader();
  // Stream mode keeps an incomplete multi-byte sequence for the next chunk instead of mangling it.
  const decoder = new TextDecoder();
  let pending = '';
  let finished = false;
  try {
    for (;;) {
      watch?.(true);
      const { done, value } = await reader.read();
      watch?.(false);
      if (done) break;
      pending += decoder.decode(value, { stream: true });
      let start = 0;
      for (let end = pending.indexOf('\n'); end >= 0; end = pending.indexOf('\n', start)) {
        yield withoutCr(pending.slice(start, end));
        start = end + 1;
      }
      pending = pending.slice(start);
    }
    pending += decoder.decode();
    finished = true;
    if (pending.length > 0) yield withoutCr(pending);
  } finally {
    // Left early (consumer stopped, error): cancelling drops the connection instead of draining it.
    if (!finished) reader.cancel().catch(() => {});
  }
}

function withoutCr(line: string): string {
  return line.endsWith('\r') ? line.slice(0, -1) : line;
}
