// A message too long for one NOTIFY goes out in parts that each fit, and comes back whole.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_MESSAGE_BYTES, Reassembler, splitMessage } from './pg-payload.ts';

test('a short message is one payload; a long one is parts of at most 8000 bytes that join back, no surrogate pair cut', () => {
  assert.deepEqual(splitMessage('{"t":"watch"}', 'm1'), ['={"t":"watch"}']);
  // 3-byte and 4-byte characters at every offset, so that cuts land next to each.
  const long = 'a€😀'.repeat(4_000);
  const parts = splitMessage(long, 'm2');
  assert.ok(parts.length > 1);
  for (const part of parts) {
    assert.ok(Buffer.byteLength(part) < 8_000, `${Buffer.byteLength(part)} bytes`);
    assert.ok(!/[\ud800-\udbff]$/.test(part), 'no part ends inside a pair');
  }
  const reassembler = new Reassembler();
  const joined = parts.map((part) => reassembler.accept(part));
  assert.deepEqual(joined.slice(0, -1), new Array(parts.length - 1).fill(null));
  assert.equal(joined.at(-1), long);
});

test('parts of two messages interleaved still join; a message past the bound is refused; parts of a lost message are dropped', () => {
  let now = 0;
  const reassembler = new Reassembler(() => now);
  const first = splitMessage('x'.repeat(20_000), 'first');
  const second = splitMessage('y'.repeat(20_000), 'second');
  const results = first.flatMap((part, index) => [reassembler.accept(part), reassembler.accept(second[index]!)]).filter((message) => message !== null);
  assert.deepEqual(results, ['x'.repeat(20_000), 'y'.repeat(20_000)]);
  assert.throws(() => splitMessage('z'.repeat(MAX_MESSAGE_BYTES + 1), 'big'), RangeError);
  const lost = splitMessage('w'.repeat(20_000), 'lost');
  reassembler.accept(lost[0]!);
  now += 60_000; // its other parts never came (the connection dropped)
  reassembler.accept(splitMessage('v'.repeat(20_000), 'later')[0]!);
  assert.equal(reassembler.accept(lost[1]!), null);
  assert.equal(reassembler.accept(lost[2]!), null, 'the first part was forgotten, so the message never completes');
});
