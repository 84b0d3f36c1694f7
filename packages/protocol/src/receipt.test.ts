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
import { paramsHash } from './job-params.ts';
import { sign } from './keys.ts';
import {
  RECEIPT_FIELDS,
  RECEIPT_V2_FIELDS,
  computeReceiptId,
  completeReceipt,
  receiptSigningBytes,
  signReceipt,
  verifyReceipt,
  verifyReceiptSignature,
  type Receipt,
} from './receipt.ts';

const readVectors = (version: 1 | 2) => JSON.parse(readFileSync(fileURLToPath(new URL(`../vectors/receipt-v${version}.json`, import.meta.url)), 'utf8'));
const vectors = readVectors(1);
const vectorsV2 = readVectors(2);
const minerKey = base64urlDecode(vectors.miner.public_key);
const coordinatorKey = base64urlDecode(vectors.coordinator.public_key);

/** node:crypto's own Ed25519, as an implementation independent of noble. */
function nodeVerifies(message: Uint8Array, signature: string, publicKey: Uint8Array): boolean {
  const key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(publicKey).toString('base64url') }, format: 'jwk' });
  return nodeVerify(null, message, key, base64urlDecode(signature));
}

test('the code reproduces the committed vectors byte for byte, v1 and v2', () => {
  assert.deepEqual(buildVectors(), vectors);
  assert.deepEqual(buildVectors(1), vectors);
  assert.deepEqual(buildVectors(2), vectorsV2);
});

for (const [version, set] of [[1, vectors], [2, vectorsV2]] as const)
test(`v${version} vectors hold up under an independent implementation (node:crypto)`, () => {
  assert.equal(set.miner.public_key, Buffer.from(publicKeyFromSecret(fromHex(set.miner.secret_key_hex))).toString('base64url'));
  for (const vector of set.receipts) {
    const signingBytes = fromHex(vector.signing_bytes_hex);
    assert.equal(Buffer.from(signingBytes).toString('utf8'), `AITBC-RECEIPT-v${version}\n${vector.jcs}`);
    const { receipt_id: _id, ...withoutId } = JSON.parse(vector.jcs);
    assert.equal(vector.receipt_id, `rcpt-${createHash('sha256').update(canonicalize(withoutId)).digest('hex').slice(0, 32)}`);
    const [minerSig, coordinatorSig] = vector.signed.signatures;
    assert.ok(nodeVerifies(signingBytes, minerSig.sig, minerKey), vector.name);
    assert.ok(nodeVerifies(signingBytes, coordinatorSig.sig, coordinatorKey), vector.name);
    assert.equal(vector.signed.prompt_hash, `sha256:${createHash('sha256').update(vector.prompt, 'utf8').digest('hex')}`);
    if (version === 2) assert.equal(vector.signed.params_hash, `sha256:${createHash('sha256').update(vector.params_jcs, 'utf8').digest('hex')}`);
  }
});

test('price is units × unit_price, capped at max_price', () => {
  const [below, capped, free] = vectors.receipts;
  assert.equal(below.signed.price, '0.246');
  assert.equal(capped.signed.price, '1');
  assert.equal(free.signed.price, '0');
});

test('a vector receipt of either version verifies with the pinned keys and the job', () => {
  for (const vector of [...vectors.receipts, ...vectorsV2.receipts]) {
    const verdict = verifyReceipt(vector.signed, { miner: minerKey, coordinator: coordinatorKey }, { maxPriceMicro: BigInt(vector.max_price_micro) });
    assert.equal(verdict.valid, true, JSON.stringify(verdict.checks));
    assert.deepEqual(verdict.checks.map((c) => c.name), ['shape', 'receipt_id', 'miner_signature', 'coordinator_signature', 'price_cap', 'price', 'times']);
  }
});

test('changing any single field breaks the receipt, in either version', () => {
  for (const [signed, fields] of [[vectors.receipts[0].signed, RECEIPT_FIELDS], [vectorsV2.receipts[0].signed, RECEIPT_V2_FIELDS]] as [Receipt, readonly string[]][]) {
    for (const field of fields) {
      const value = (signed as unknown as Record<string, unknown>)[field];
      const changed =
        field === 'version' ? 3 - signed.version
        : typeof value === 'number' ? value + 1
        : field === 'units' ? '124'
        : field === 'price' || field === 'unit_price' ? '0.247'
        : field === 'backend' ? 'openai'
        : `${String(value).slice(0, -1)}${String(value).endsWith('0') ? '1' : '0'}`;
      const verdict = verifyReceipt({ ...signed, [field]: changed }, { miner: minerKey, coordinator: coordinatorKey }, { maxPriceMicro: 2_500_000n });
      assert.equal(verdict.valid, false, `v${signed.version}: tampered ${field} still verifies`);
    }
  }
});

test('a v2 receipt cannot pass as v1 nor carry its fields half-way', () => {
  const signed: Receipt = vectorsV2.receipts[0].signed;
  const pinned = { miner: minerKey, coordinator: coordinatorKey };
  const { model_digest: _d, backend: _b, params_hash: _p, ...stripped } = signed;
  const asV1 = { ...stripped, version: 1 };
  assert.equal(verifyReceipt(asV1, pinned).valid, false, 'dropping the run facts and calling it v1 breaks id and signatures');
  const { backend: _gone, ...withoutBackend } = signed;
  const missing = verifyReceipt(withoutBackend, pinned);
  assert.equal(missing.checks[0]!.detail, 'backend is required');
  assert.equal(verifyReceipt({ ...vectors.receipts[0].signed, backend: 'demo' }, pinned).checks[0]!.detail, 'backend is not a version 1 receipt field');
  assert.equal(verifyReceipt({ ...signed, backend: 'vllm' }, pinned).checks[0]!.ok, false);
  assert.equal(verifyReceipt({ ...signed, version: 3 }, pinned).checks[0]!.detail, 'version must be 1 or 2');
  // The same JCS body signed under the v1 tag is not a v2 signature: the tag is per version.
  const unsigned = { ...signed } as Partial<Receipt>;
  delete unsigned.signatures;
  const v1Tagged = sign(new TextEncoder().encode(`AITBC-RECEIPT-v1\n${canonicalize(unsigned)}`), fromHex(vectors.miner.secret_key_hex));
  const crossTagged = { ...signed, signatures: [{ ...signed.signatures[0]!, sig: base64urlEncode(v1Tagged) }] };
  assert.equal(verifyReceiptSignature(crossTagged, 'miner', minerKey), false);
});

test('paramsHash covers exactly the five generation parameters the job set', () => {
  assert.equal(paramsHash({}), `sha256:${createHash('sha256').update('{}').digest('hex')}`);
  assert.equal(paramsHash({ top_p: 0.9, seed: 1 }), paramsHash({ seed: 1, top_p: 0.9 }), 'key order does not matter');
  assert.equal(paramsHash({ seed: 1, extra: 'ignored' } as never), paramsHash({ seed: 1 }));
  const base = { seed: 1, temperature: 0, top_p: 1, max_tokens: 10, stop: ['x'] };
  const seen = new Set([paramsHash(base)]);
  for (const change of [{ seed: 2 }, { temperature: 0.5 }, { top_p: 0.5 }, { max_tokens: 11 }, { stop: ['y'] }, { stop: ['x', 'y'] }]) seen.add(paramsHash({ ...base, ...change }));
  assert.equal(seen.size, 7, 'each parameter changes the hash');
  assert.notEqual(paramsHash({ temperature: 0 }), paramsHash({}), 'a parameter set to its default is still a parameter the job set');
});

test('a v2 template needs the run facts; a v1 template ignores them', () => {
  const template = { ...vectorsV2.receipts[0].signed } as Record<string, unknown>;
  for (const key of ['receipt_id', 'units', 'price', 'output_hash', 'started_at', 'completed_at', 'signatures', 'model_digest', 'backend', 'params_hash']) delete template[key];
  const facts = { units: 1n, maxPriceMicro: 10n, output: 'o', startedAt: 1, completedAt: 2 };
  assert.throws(() => completeReceipt(template as never, facts), /version 2/);
  const run = { model_digest: `sha256:${'1'.repeat(64)}`, backend: 'demo' as const, params_hash: paramsHash({}) };
  assert.equal(completeReceipt({ ...(template as object), version: 1 } as never, { ...facts, run }).model_digest, undefined);
  assert.equal(completeReceipt(template as never, { ...facts, run }).model_digest, run.model_digest);
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
