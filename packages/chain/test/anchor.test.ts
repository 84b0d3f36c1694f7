// anchor_proof without a prover: the checks that need no real proof.
// (packages/zk/test/chain-anchor.test.ts anchors real proofs on a node, and refuses tampered ones.)

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addressFromPublicKey, base64urlEncode, generateKeyPair } from '@aitbc/protocol';
import { type Groth16VerificationKey } from '@aitbc/protocol/zk';
import { validateGenesis, type Genesis } from '../src/genesis.ts';
import { TxRejectedError } from '../src/errors.ts';
import { ChainNode } from '../src/node.ts';
import { ChainStore } from '../src/store/chain-store.ts';
import { signTx } from '../src/tx.ts';
import { validateTxShape } from '../src/txs/registry.ts';

const authority = generateKeyPair();
const sender = generateKeyPair();
const genesis: Genesis = {
  chain_id: 'aitbc-anchor',
  genesis_time: 1,
  block_interval_ms: 100,
  authorities: [base64urlEncode(authority.publicKey)],
  coordinators: [],
  allocations: [{ address: addressFromPublicKey(sender.publicKey), amount: '1' }],
};
const G1: [string, string, string] = ['1', '2', '1'];
const G2 = [
  ['10857046999023057135944570762232829481370756359578518086990519993285655852781', '11559732032986387107991004021392285783925812861821192530917403151452391805634'],
  ['8495653923123431417604973247489272438418190587263600148770280649306958101930', '4082367875863433681332203403145435568316851327593401208105741076214120093531'],
  ['1', '0'],
] as Groth16VerificationKey['vk_beta_2'];
const vkey = (nPublic: number): Groth16VerificationKey => ({ protocol: 'groth16', curve: 'bn128', nPublic, vk_alpha_1: G1, vk_beta_2: G2, vk_gamma_2: G2, vk_delta_2: G2, IC: Array(nPublic + 1).fill(G1) });
const proof = { pi_a: G1, pi_b: G2, pi_c: G1 };
const anchor = (changes: Record<string, unknown> = {}) =>
  signTx({ type: 'anchor_proof', chain_id: 'aitbc-anchor', fee: '0', nonce: 0, receipt_id: `rcpt-${'ab'.repeat(16)}`, proof, public_signals: ['1', '2', '3', '4', '5'], ...changes } as never, sender.secretKey);

test('genesis takes an optional receipt verification key with the five public inputs', () => {
  assert.equal(validateGenesis(genesis), genesis, 'a genesis without a key stays valid');
  assert.equal(validateGenesis({ ...genesis, zk_receipt_vkey: vkey(5) }).zk_receipt_vkey?.nPublic, 5);
  assert.throws(() => validateGenesis({ ...genesis, zk_receipt_vkey: vkey(0) }), /must have 5 public inputs \(commitment, job_id, provider, price, units\)/);
  assert.throws(() => validateGenesis({ ...genesis, zk_receipt_vkey: { ...vkey(5), vk_alpha_1: ['1', '3', '1'] } }), /zk_receipt_vkey/);
});

test('anchor_proof shape: every field checked, with its name', () => {
  assert.equal(validateTxShape(anchor()).ok, true);
  const field = (tx: unknown) => {
    const shape = validateTxShape(tx);
    return shape.ok ? null : shape.field;
  };
  assert.equal(field(anchor({ receipt_id: 'rcpt-1' })), 'body.receipt_id');
  assert.equal(field(anchor({ proof: { ...proof, pi_a: ['1', '2'] } })), 'body.proof.pi_a');
  assert.equal(field(anchor({ proof: { ...proof, pi_b: [['1'], ['2'], ['3']] } })), 'body.proof.pi_b');
  assert.equal(field(anchor({ proof: { ...proof, extra: 1 } })), 'body.proof.extra');
  assert.equal(field(anchor({ public_signals: ['0x1'] })), 'body.public_signals');
  assert.equal(field(anchor({ memo: 'x' })), 'body.memo');
});

test('a chain whose genesis has no key refuses every proof; one with a key refuses a proof of an unsettled receipt', () => {
  const receiptId = `rcpt-${'ab'.repeat(16)}`;
  for (const [chainGenesis, code, context, reason] of [
    [genesis, 'CHAIN_TX_PROOFS_DISABLED', {}, /takes no proofs: its genesis has no zk_receipt_vkey/],
    [{ ...genesis, zk_receipt_vkey: vkey(5) }, 'CHAIN_TX_RECEIPT_NOT_SETTLED', { receipt_id: receiptId }, /is not settled on this chain/],
  ] as const) {
    const store = new ChainStore(':memory:');
    try {
      const node = new ChainNode(store, chainGenesis, authority, () => 1);
      assert.throws(() => node.submit(anchor()), (error: unknown) => error instanceof TxRejectedError && error.code === code && reason.test(error.message) && JSON.stringify(error.context) === JSON.stringify(context));
    } finally {
      store.close();
    }
  }
});
