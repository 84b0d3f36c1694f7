// Transaction signatures checked on worker threads ahead of admission: only those that verify are
// recorded (a forged one is left to the node's own check, which refuses it), small batches stay in
// line, and threads stopped in the middle of a check leave nothing wrongly recorded.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addressFromPublicKey, generateKeyPair } from '@aitbc/protocol';
import { Ed25519Threads, MIN_THREAD_BATCH } from '@aitbc/protocol/node';
import { checkSignaturesAhead } from '../src/signatures-ahead.ts';
import { signTx, type SignedTx } from '../src/tx.ts';
import { VerifiedSignatures } from '../src/verified-signatures.ts';

const alice = generateKeyPair();
const mallory = generateKeyPair();
const bob = addressFromPublicKey(generateKeyPair().publicKey);
const transfer = (nonce: number, keys = alice): SignedTx => signTx({ type: 'transfer', chain_id: 'aitbc-sig', to: bob, amount: '1', fee: '0', nonce } as never, keys.secretKey);
const valid = Array.from({ length: 30 }, (_, nonce) => transfer(nonce));

/** Ways to try to pass off a transaction alice did not sign. */
function forgeries(): SignedTx[] {
  const mine = transfer(0, mallory);
  return [
    { ...valid[0]!, body: { ...valid[0]!.body, amount: '1000' } as never }, // her signature, another amount
    { ...valid[1]!, signature: valid[2]!.signature }, // another of her signatures
    { ...mine, body: { ...mine.body, from: valid[3]!.body.from } as never }, // mallory's key and signature, alice's address
    { ...valid[4]!, body: { ...valid[4]!.body, public_key: mine.body.public_key } as never, signature: mine.signature },
    { ...valid[5]!, signature: valid[5]!.signature.slice(0, 40) }, // a signature cut short
  ];
}

test('worker threads record the signatures that verify, and no forged one', async () => {
  const workers = new Ed25519Threads(2);
  const signatures = new VerifiedSignatures();
  try {
    const forged = forgeries();
    await checkSignaturesAhead([...valid.slice(6), ...forged, null, 'tx', { body: 'x', signature: 'y' }, 7], signatures, workers);
    assert.deepEqual(valid.slice(6).map((tx) => signatures.has(tx)), valid.slice(6).map(() => true), 'every valid one is recorded');
    assert.deepEqual(forged.map((tx) => signatures.has(tx)), forged.map(() => false), 'no forged one is recorded');
    assert.deepEqual(forged.map((tx) => signatures.check(tx)), forged.map(() => false), "and the node's own check refuses them");
  } finally {
    await workers.close();
  }
});

test('a batch smaller than MIN_THREAD_BATCH is left to the node', async () => {
  const workers = new Ed25519Threads(2);
  const signatures = new VerifiedSignatures();
  try {
    const few = valid.slice(0, MIN_THREAD_BATCH - 1);
    await checkSignaturesAhead(few, signatures, workers);
    assert.ok(few.every((tx) => !signatures.has(tx)));
  } finally {
    await workers.close();
  }
});

test('threads stopped in the middle of a check record nothing wrong, and new ones take over', async () => {
  const workers = new Ed25519Threads(2);
  const signatures = new VerifiedSignatures();
  try {
    const forged = forgeries();
    const checking = checkSignaturesAhead([...valid, ...forged], signatures, workers);
    await workers.close();
    await checking; // resolves: the checks of stopped threads count as not made
    assert.ok(forged.every((tx) => !signatures.has(tx)));
    const later = new VerifiedSignatures();
    await checkSignaturesAhead(valid, later, workers);
    assert.ok(valid.every((tx) => later.has(tx)), 'the next batch is checked on new threads');
  } finally {
    await workers.close();
  }
});
