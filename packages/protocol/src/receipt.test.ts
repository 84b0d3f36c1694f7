// Receipts against the committed vectors (checked independently with node:crypto), and every
// way a receipt can be wrong.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createPublicKey, verify as nodeVerify } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { buildVectors } from '../scripts/make-vectors.ts';
import { base64urlDecode, base64urlEncode, fromHex, toHex } from './encoding.ts';
import { canonicalize } from './jcs.ts';
import { generateKeyPair, publicKeyFromSecret } from './keys.ts';
import { addressFromPublicKey } from './address.ts';
import {
  RECEIPT_FIELDS,
  computeReceiptId,
  completeReceipt,
  receiptSigningBytes,
  signReceipt,
  verifyReceipt,
  verifyReceiptSignature,
  type Receipt,
} from './receipt.ts';

const vectors = JSON.parse(readFileSync(fileURLToPath(new URL('../vectors/receipt-v1.json', import.meta.url)), 'utf8'));
const minerKey = base64urlDecode(vectors.miner.public_key);
const coordinatorKey = base64urlDecode(vectors.coordinator.public_key);

/** node:crypto's own Ed25519, as an implementation independent of noble. */
function nodeVerifies(message: Uint8Array, signature: string, publicKey: Uint8Array): boolean {
  const key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(publicKey).toString('base64url') }, format: 'jwk' });
  return nodeVerify(null, message, key, base64urlDecode(signature));
}

test('the code reproduces the committed vectors byte for byte', () => {
  assert.deepEqual(buildVectors(), vectors);
});

test('vectors hold up under an independent implementation (node:crypto)', () => {
  assert.equal(vectors.miner.public_key, Buffer.from(publicKeyFromSecret(fromHex(vectors.miner.secret_key_hex))).toString('base64url'));
  for (const vector of vectors.receipts) {
    const signingBytes = fromHex(vector.signing_bytes_hex);
    assert.equal(Buffer.from(signingBytes).toString('utf8'), `AITBC-RECEIPT-v1\n${vector.jcs}`);
    const { receipt_id: _id, ...withoutId } = JSON.parse(vector.jcs);
    assert.equal(vector.receipt_id, `rcpt-${createHash('sha256').update(canonicalize(withoutId)).digest('hex').slice(0, 32)}`);
    const [minerSig, coordinatorSig] = vector.signed.signatures;
    assert.ok(nodeVerifies(signingBytes, minerSig.sig, minerKey), vector.name);
    assert.ok(nodeVerifies(signingBytes, coordinatorSig.sig, coordinatorKey), vector.name);
    assert.equal(vector.signed.prompt_hash, `sha256:${createHash('sha256').update(vector.prompt, 'utf8').digest('hex')}`);
  }
});

test('price is units × unit_price, capped at max_price', () => {
  const [below, capped, free] = vectors.receipts;
  assert.equal(below.signed.price, '0.246');
  assert.equal(capped.signed.price, '1');
  assert.equal(free.signed.price, '0');
});

test('a vector receipt verifies with the pinned keys and the job', () => {
  for (const vector of vectors.receipts) {
    const verdict = verifyReceipt(vector.signed, { miner: minerKey, coordinator: coordinatorKey }, { maxPriceMicro: BigInt(vector.max_price_micro) });
    assert.equal(verdict.valid, true, JSON.stringify(verdict.checks));
    assert.deepEqual(verdict.checks.map((c) => c.name), ['shape', 'receipt_id', 'miner_signature', 'coordinator_signature', 'price_cap', 'price', 'times']);
  }
});

test('changing any single field breaks the receipt', () => {
  const signed: Receipt = vectors.receipts[0].signed;
  for (const field of RECEIPT_FIELDS) {
    const value = signed[field];
    const tampered = { ...signed, [field]: typeof value === 'number' ? value + 1 : field === 'units' ? '124' : field === 'price' || field === 'unit_price' ? '0.247' : `${String(value).slice(0, -1)}${String(value).endsWith('0') ? '1' : '0'}` };
    const verdict = verifyReceipt(tampered, { miner: minerKey, coordinator: coordinatorKey }, { maxPriceMicro: 2_500_000n });
    assert.equal(verdict.valid, false, `tampered ${field} still verifies`);
  }
});

test('only the pinned key counts, whatever key_id says', () => {
  const impostor = generateKeyPair();
  const unsigned = { ...vectors.receipts[0].signed };
  delete unsigned.signatures;
  const forged = signReceipt(unsigned, 'miner', impostor.secretKey);
  const claimingMiner = { ...forged, signatures: [{ ...forged.signatures[0]!, key_id: vectors.miner.public_key }] };
  assert.equal(verifyReceiptSignature(claimingMiner, 'miner', minerKey), false);
  assert.equal(verifyReceiptSignature(forged, 'miner', impostor.publicKey), true);
  assert.equal(verifyReceipt(claimingMiner, { miner: minerKey }).valid, false);
});

test('a role signs once; signatures never change the signed bytes or the id', () => {
  const keys = generateKeyPair();
  const unsigned = completeReceipt(
    {
      version: 1, chain_id: 'c', job_id: 'job-1', client: 'alice', provider: addressFromPublicKey(keys.publicKey), miner_id: 'm',
      model: 'x', unit_type: 'tokens', unit_price: '0.000001', nonce: 'ab'.repeat(16), prompt_hash: `sha256:${'0'.repeat(64)}`,
    },
    { units: 3n, maxPriceMicro: 10n, output: 'out', startedAt: 1, completedAt: 2 },
  );
  const signed = signReceipt(unsigned, 'miner', keys.secretKey);
  assert.throws(() => signReceipt(signed, 'miner', keys.secretKey), /already has a miner signature/);
  assert.equal(toHex(receiptSigningBytes(signed)), toHex(receiptSigningBytes(unsigned)));
  assert.equal(computeReceiptId(signed), unsigned.receipt_id);
  assert.equal(signed.price, '0.000003');
});

test('malformed input is reported, never thrown', () => {
  for (const bad of [null, 42, 'receipt', [], {}, { ...vectors.receipts[0].signed, units: 12 }, { ...vectors.receipts[0].signed, price: '0.2460' }, { ...vectors.receipts[0].signed, extra: 1 }, { ...vectors.receipts[0].signed, signatures: [{ alg: 'RSA' }] }]) {
    const verdict = verifyReceipt(bad, { miner: minerKey });
    assert.equal(verdict.valid, false);
    assert.equal(verdict.checks[0]!.name, 'shape');
    assert.equal(verdict.checks[0]!.ok, false);
  }
});

test('a changed signature byte fails only that role; key_id is never consulted', () => {
  const signed: Receipt = vectors.receipts[0].signed;
  const [miner, coordinator] = signed.signatures;
  const sig = base64urlDecode(miner!.sig);
  sig[10]! ^= 0x40;
  const broken = { ...signed, signatures: [{ ...miner!, sig: base64urlEncode(sig) }, coordinator!] };
  const verdict = verifyReceipt(broken, { miner: minerKey, coordinator: coordinatorKey });
  assert.equal(verdict.valid, false);
  assert.deepEqual(verdict.checks.filter((c) => !c.ok).map((c) => c.name), ['miner_signature']);
  const hinted = { ...signed, signatures: [{ ...miner!, key_id: 'not-even-a-key' }, coordinator!] };
  assert.equal(verifyReceipt(hinted, { miner: minerKey, coordinator: coordinatorKey }).valid, true);
});
