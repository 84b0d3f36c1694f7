// The line splitter and the server-sent-events reader, fed chunks cut at every awkward place.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readLines, readSseData } from '@aitbc/sdk';

function bodyOf(chunks: Uint8Array[]): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(chunk);
      controller.close();
    },
  });
}

/** Every way of cutting `text` into two chunks, plus one-byte chunks. */
function cuts(text: string): Uint8Array[][] {
  const bytes = new TextEncoder().encode(text);
  const ways: Uint8Array[][] = [[...bytes].map((byte) => Uint8Array.of(byte))];
  for (let at = 0; at <= bytes.length; at++) ways.push([bytes.slice(0, at), bytes.slice(at)]);
  return ways;
}

async function all<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

test('lines come out whole wherever the chunks are cut, multi-byte characters included', async () => {
  const text = '{"a":"é"}\r\n\n{"b":"🙂 ü"}\nlast without newline';
  for (const chunks of cuts(text)) {
    assert.deepEqual(await all(readLines(bodyOf(chunks))), ['{"a":"é"}', '', '{"b":"🙂 ü"}', 'last without newline']);
  }
});

test('SSE data fields are joined per event; comments and other fields are skipped', async () => {
  const text = ': ping\n\nevent: message\ndata: {"x":1}\n\ndata:{"y":2}\nid: 4\n\ndata: one\ndata: two\n\ndata: [DONE]';
  for (const chunks of cuts(text)) {
    assert.deepEqual(await all(readSseData(readLines(bodyOf(chunks)))), ['{"x":1}', '{"y":2}', 'one\ntwo', '[DONE]']);
  }
});

test('the silence watch is told around each read', async () => {
  const seen: boolean[] = [];
  await all(readLines(bodyOf([new TextEncoder().encode('a\nb\n')]), (waiting) => seen.push(waiting)));
  assert.deepEqual(seen, [true, false, true, false]);
});
