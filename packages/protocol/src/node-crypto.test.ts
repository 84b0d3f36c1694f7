// node:crypto and noble must be interchangeable: same hashes, keys and signatures (vectors
// included), each accepting the other's signatures and refusing the same malformed ones.

import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ed25519 } from '@noble/curves/ed25519.js';
import { cryptoBackend, nobleBackend, useCryptoBackend } from './crypto-backend.ts';
import { base64urlDecode, fromHex, utf8 } from './encoding.ts';
import { nodeBackend, useNodeCrypto } from './node-crypto.ts';
import { receiptSigningBytes, verifyReceipt } from './receipt.ts';
import { buildVectors } from '../scripts/make-vectors.ts';

after(() => useCryptoBackend(nobleBackend));

test('the same hashes, public keys and signatures', () => {
  for (let i = 0; i < 20; i++) {
    const secretKey = ed25519.utils.randomSecretKey();
    const message = utf8(`message ${i} ${'x'.repeat(i * 37)}`);
    assert.deepEqual(nodeBackend.sha256(message), nobleBackend.sha256(message));
    const publicKey = nobleBackend.getPublicKey(secretKey);
    assert.deepEqual(nodeBackend.getPublicKey(secretKey), publicKey);
    const signature = nodeBackend.sign(message, secretKey);
    assert.deepEqual(signature, nobleBackend.sign(message, secretKey));
    assert.equal(nobleBackend.verify(signature, message, publicKey), true);
    assert.equal(nodeBackend.verify(signature, message, publicKey), true);
    const tampered = signature.slice();
    tampered[i % 64]! ^= 0x10;
    assert.equal(nodeBackend.verify(tampered, message, publicKey), false);
    assert.equal(nobleBackend.verify(tampered, message, publicKey), false);
  }
});

test('both refuse malformed signatures, including a non-canonical S', () => {
  const secretKey = ed25519.utils.randomSecretKey();
  const publicKey = nobleBackend.getPublicKey(secretKey);
  const message = utf8('m');
  const signature = nobleBackend.sign(message, secretKey);
  // S + L encodes the same scalar non-canonically; strict verifiers must refuse it.
  const L = 2n ** 252n + 27742317777372353535851937790883648493n;
  let s = 0n;
  for (let i = 31; i >= 0; i--) s = (s << 8n) + BigInt(signature[32 + i]!);
  const sPlusL = s + L;
  const malleated = signature.slice();
  for (let i = 0; i < 32; i++) malleated[32 + i] = Number((sPlusL >> BigInt(8 * i)) & 0xffn);
  if (sPlusL < 2n ** 256n) {
    assert.equal(nobleBackend.verify(malleated, message, publicKey), false);
    assert.equal(nodeBackend.verify(malleated, message, publicKey), false);
  }
  for (const backend of [nobleBackend, nodeBackend]) {
    assert.equal(backend.verify(new Uint8Array(63), message, publicKey), false, backend.name);
    assert.equal(backend.verify(signature, message, new Uint8Array(31)), false, backend.name);
  }
});

test('the receipt vectors come out byte for byte under node:crypto', () => {
  const committed = JSON.parse(readFileSync(fileURLToPath(new URL('../vectors/receipt-v1.json', import.meta.url)), 'utf8'));
  useNodeCrypto();
  assert.equal(cryptoBackend().name, 'node:crypto');
  assert.deepEqual(buildVectors(), committed);
  for (const vector of committed.receipts) {
    assert.deepEqual(receiptSigningBytes(vector.signed), fromHex(vector.signing_bytes_hex));
    const verdict = verifyReceipt(vector.signed, { miner: base64urlDecode(committed.miner.public_key), coordinator: base64urlDecode(committed.coordinator.public_key) });
    assert.equal(verdict.valid, true);
  }
});
