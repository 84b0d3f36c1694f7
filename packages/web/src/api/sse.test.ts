import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readEventData } from './sse.ts';

/** A body that arrives in the given pieces, as a network would cut it. */
function bodyOf(pieces: string[]): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return new ReadableStream({
    start(controller) {
      for (const piece of pieces) controller.enqueue(encoder.encode(piece));
      controller.close();
    },
  });
}

async function collect(pieces: string[]): Promise<string[]> {
  const seen: string[] = [];
  for await (const data of readEventData(bodyOf(pieces))) seen.push(data);
  return seen;
}

test('events cut anywhere (mid-line, mid-character, CRLF) come out whole, and [DONE] ends the stream', async () => {
  const text = 'data: {"a":1}\r\n\r\n: a comment\ndata: {"b":"é"}\n\ndata: [DONE]\n\ndata: {"after":true}\n\n';
  const bytes = new TextEncoder().encode(text);
  // Every split point, including inside the two-byte é.
  for (let cut = 1; cut < bytes.length; cut += 3) {
    const decoder = new TextDecoder();
    const pieces = [decoder.decode(bytes.slice(0, cut), { stream: true }), decoder.decode(bytes.slice(cut))];
    assert.deepEqual(await collect(pieces), ['{"a":1}', '{"b":"é"}'], `cut at ${cut}`);
  }
});

test('a multi-line data field is joined with newlines; an event with no data yields nothing', async () => {
  assert.deepEqual(await collect(['event: ping\n\n', 'data: one\ndata: two\n\n']), ['one\ntwo']);
});
