// Ed25519 on worker threads: a valid signature is 1, anything else 0 (a wrong key, wrong bytes, a
// signature of the wrong length, a key that is no key); a batch is split over the threads in
// order; threads stopped in the middle answer 0 for what they had not checked, and new ones take over.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Ed25519Threads, type VerifyItem } from './ed25519-threads.ts';
import { generateKeyPair, sign } from './keys.ts';
import { utf8 } from './encoding.ts';

const alice = generateKeyPair();
const bob = generateKeyPair();
const signed = (text: string, keys = alice): VerifyItem => [keys.publicKey, utf8(text), sign(utf8(text), keys.secretKey)];

test('a batch split over the threads comes back in order: 1 for each valid signature, 0 for each other', async () => {
  const threads = new Ed25519Threads(3);
  try {
    const valid = Array.from({ length: 40 }, (_, i) => signed(`message ${i}`));
    const [one, two] = [signed('one'), signed('two')];
    const wrong: VerifyItem[] = [
      [bob.publicKey, one[1], one[2]], // another key
      [alice.publicKey, two[1], one[2]], // another message
      [alice.publicKey, one[1], one[2].slice(0, 63)], // a signature cut short
      [alice.publicKey.slice(0, 31), one[1], one[2]], // a key cut short
      [new Uint8Array(32).fill(255), one[1], one[2]], // 32 bytes that are no point of the curve
    ];
    const items = [...valid.slice(0, 20), ...wrong, ...valid.slice(20)];
    const answer = await threads.verifyAll(items);
    assert.deepEqual([...answer], [...Array(20).fill(1), ...Array(wrong.length).fill(0), ...Array(20).fill(1)]);
    assert.deepEqual([...(await threads.verifyAll([]))], []);
  } finally {
    await threads.close();
  }
});

test('threads stopped in the middle of a batch answer 0 for what they had not checked; the next batch runs on new ones', async () => {
  const threads = new Ed25519Threads(2);
  try {
    const items = Array.from({ length: 200 }, (_, i) => signed(`message ${i}`));
    const checking = threads.verifyAll(items);
    await threads.close();
    const answer = await checking;
    assert.equal(answer.length, 200, 'it resolves, one byte each');
    assert.deepEqual([...(await threads.verifyAll(items))], Array(200).fill(1));
  } finally {
    await threads.close();
  }
});
