// The MIT half of receipt proofs: Poseidon on a published vector, the receipt's field encoding,
// and the Groth16 verifier's refusals of malformed input (packages/zk checks it against snarkjs
// on real proofs).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BN254_FR_ORDER, poseidonHash } from './poseidon.ts';
import { prepareVerificationKey, verifyGroth16, type Groth16VerificationKey } from './groth16.ts';
import { completeReceipt, hashText } from './receipt.ts';
import { receiptCommitment, receiptFieldElements, receiptPublicSignals, textToField } from './zk-receipt.ts';
import { sha256Hex } from './encoding.ts';
import { paramsHash } from './job-params.ts';

test('poseidonHash gives the circomlib test vectors', () => {
  assert.equal(poseidonHash([1n, 2n]), 7853200120776062878684798364095072458815029376092732009249414926327459813530n);
  assert.equal(poseidonHash([1n, 2n, 3n, 4n]), 18821383157269793795438455681495246036402687001665670618754263018637548127333n);
});

const receipt = completeReceipt(
  { version: 1, chain_id: 'c', job_id: 'job-1', client: 'alice', provider: 'ait1x', miner_id: 'gpu-1', model: 'm', unit_type: 'tokens', unit_price: '0.002', nonce: '0'.repeat(32), prompt_hash: hashText('p') },
  { units: 10n, maxPriceMicro: 1_000_000n, output: 'o', startedAt: 5, completedAt: 6 },
);

test('a receipt encodes as field elements: strings hashed to 248 bits, amounts in µAIT', () => {
  const fields = receiptFieldElements(receipt);
  assert.equal(fields.version, 1n);
  assert.equal(fields.units, 10n);
  assert.equal(fields.unit_price, 2_000n);
  assert.equal(fields.price, 20_000n);
  assert.equal(fields.started_at, 5n);
  assert.equal(fields.job_id, textToField('job-1'));
  assert.equal(textToField('job-1'), BigInt(`0x${sha256Hex('job-1').slice(0, 62)}`), 'the first 31 bytes of SHA-256');
  for (const value of Object.values(fields)) assert.ok(value < 2n ** 248n && value < BN254_FR_ORDER);
  const signals = receiptPublicSignals(receipt);
  assert.deepEqual(signals.slice(1), [fields.job_id, fields.provider, 20_000n, 10n].map(String));
  assert.equal(signals[0], receiptCommitment(receipt).toString());
  assert.notEqual(receiptCommitment({ ...receipt, nonce: '1'.repeat(32) }), receiptCommitment(receipt), 'every field, private ones too, changes the commitment');
});

test('a v2 receipt binds what ran through its model element; the other 16 elements encode as in v1', () => {
  const run = { model_digest: `sha256:${'a'.repeat(64)}`, backend: 'ollama' as const, params_hash: paramsHash({ seed: 1 }) };
  const v2 = completeReceipt(
    { version: 2, chain_id: 'c', job_id: 'job-1', client: 'alice', provider: 'ait1x', miner_id: 'gpu-1', model: 'm', unit_type: 'tokens', unit_price: '0.002', nonce: '0'.repeat(32), prompt_hash: hashText('p') },
    { units: 10n, maxPriceMicro: 1_000_000n, output: 'o', startedAt: 5, completedAt: 6, run },
  );
  const fields = receiptFieldElements(v2);
  const v1Fields = receiptFieldElements(receipt);
  assert.equal(fields.version, 2n);
  assert.equal(fields.model, textToField(`{"backend":"ollama","model":"m","model_digest":"${run.model_digest}","params_hash":"${run.params_hash}"}`));
  for (const name of ['job_id', 'provider', 'price', 'units', 'prompt_hash', 'output_hash', 'nonce'] as const) assert.equal(fields[name], v1Fields[name]);
  const commitment = receiptCommitment(v2);
  for (const change of [{ model_digest: `sha256:${'b'.repeat(64)}` }, { backend: 'demo' as const }, { params_hash: paramsHash({ seed: 2 }) }]) {
    assert.notEqual(receiptCommitment({ ...v2, ...change }), commitment, `changing ${Object.keys(change)[0]} changes the commitment`);
  }
  assert.throws(() => receiptCommitment({ ...v2, backend: undefined }), /lacks/);
});

test('verifyGroth16 answers false, never throws, for malformed keys, proofs and signals', () => {
  const point = ['1', '2', '1'] as [string, string, string]; // the G1 generator
  const g2 = [
    ['10857046999023057135944570762232829481370756359578518086990519993285655852781', '11559732032986387107991004021392285783925812861821192530917403151452391805634'],
    ['8495653923123431417604973247489272438418190587263600148770280649306958101930', '4082367875863433681332203403145435568316851327593401208105741076214120093531'],
    ['1', '0'],
  ] as Groth16VerificationKey['vk_beta_2'];
  const vkey: Groth16VerificationKey = { protocol: 'groth16', curve: 'bn128', nPublic: 1, vk_alpha_1: point, vk_beta_2: g2, vk_gamma_2: g2, vk_delta_2: g2, IC: [point, point] };
  assert.equal(prepareVerificationKey(vkey).nPublic, 1);
  assert.throws(() => prepareVerificationKey({ ...vkey, IC: [point] }), RangeError);
  assert.throws(() => prepareVerificationKey({ ...vkey, vk_alpha_1: ['1', '3', '1'] }), /./, 'not on the curve');
  const proof = { pi_a: point, pi_b: g2, pi_c: point };
  assert.equal(verifyGroth16(vkey, ['1'], proof), false);
  assert.equal(verifyGroth16(vkey, [], proof), false);
  assert.equal(verifyGroth16(vkey, ['1', '2'], proof), false);
  assert.equal(verifyGroth16(vkey, [BN254_FR_ORDER.toString()], proof), false);
  assert.equal(verifyGroth16(vkey, ['-1'], proof), false);
  assert.equal(verifyGroth16(vkey, ['1'], { ...proof, pi_a: ['1', '3', '1'] }), false);
  assert.equal(verifyGroth16(vkey, ['1'], { ...proof, pi_b: [['1', '2'], ['3', '4'], ['1', '0']] }), false);
  assert.equal(verifyGroth16(vkey, ['1'], null as never), false);
});
