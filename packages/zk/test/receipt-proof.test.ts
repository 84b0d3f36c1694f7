// A receipt proof checked by three verifiers that must agree: snarkjs, the node's noble-curves
// verifier (@aitbc/protocol) and the ZKReceiptVerifier contract on an in-process EVM. A valid
// proof passes all three; every public input changed, a proof for another receipt and a proof
// of the seed's no-public-input design fail all three.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Receipt } from '@aitbc/protocol';
import { receiptCommitment, receiptPublicSignals, verifyGroth16, ZK_PUBLIC_SIGNALS, type Groth16Proof, type Groth16VerificationKey } from '@aitbc/protocol/zk';
import { ARTIFACTS_DIR, RECEIPT_CIRCUIT, SEED_CIRCUIT } from '../src/artifacts.ts';
import { ReceiptVerifierContract } from '../src/evm.ts';
import { Prover, shutdownProver, verifyWithSnarkjs, type ReceiptProof } from '../src/prover.ts';
import { receiptWitnessInput } from '../src/witness.ts';
import { cosignedReceipt } from './fixtures.ts';

test('the committed artifacts are the ones the ceremony recorded', () => {
  const recorded = JSON.parse(readFileSync(join(ARTIFACTS_DIR, 'ceremony.json'), 'utf8')).sha256 as Record<string, string>;
  assert.ok(Object.keys(recorded).length >= 7);
  for (const [file, sha256] of Object.entries(recorded)) assert.equal(createHash('sha256').update(readFileSync(join(ARTIFACTS_DIR, file))).digest('hex'), sha256, file);
});

const vkey = JSON.parse(readFileSync(RECEIPT_CIRCUIT.vkey, 'utf8')) as Groth16VerificationKey;
const prover = new Prover();

describe('receipt proofs', () => {
  let receipt: Receipt;
  let other: Receipt;
  let proved: ReceiptProof;
  let otherProved: ReceiptProof;
  let contract: ReceiptVerifierContract;

  /** What each verifier says about (proof, signals) offered for `receiptId`. */
  const verdicts = async (receiptId: string, proof: Groth16Proof, signals: string[]) => ({
    snarkjs: await verifyWithSnarkjs(vkey, signals, proof),
    node: verifyGroth16(vkey, signals, proof),
    evm: (await contract.verify(receiptId, proof, signals)).valid,
  });
  const ALL_REFUSE = { snarkjs: false, node: false, evm: false };

  before(async () => {
    receipt = cosignedReceipt();
    other = cosignedReceipt();
    [proved, otherProved, contract] = await Promise.all([prover.prove(receipt), prover.prove(other), ReceiptVerifierContract.deploy()]);
    for (const r of [receipt, other]) assert.equal((await contract.register(r)).ok, true);
  });
  after(shutdownProver);

  test('a proof of a co-signed receipt passes snarkjs, the node and the EVM, and reveals only the public facts', async () => {
    assert.deepEqual(proved.public_signals, receiptPublicSignals(receipt));
    assert.equal(proved.public_signals[0], receiptCommitment(receipt).toString());
    assert.equal(proved.public_signals[3], '2468000'); // 1234 units × 0.002 AITBC, in µAIT
    assert.equal(proved.public_signals[4], '1234');
    assert.deepEqual(await verdicts(receipt.receipt_id, proved.proof, proved.public_signals), { snarkjs: true, node: true, evm: true });
  });

  for (const [index, name] of ZK_PUBLIC_SIGNALS.entries()) {
    test(`changing the public input ${name} is refused by all three verifiers`, async () => {
      const tampered = [...proved.public_signals];
      tampered[index] = (BigInt(tampered[index]!) + 1n).toString();
      assert.deepEqual(await verdicts(receipt.receipt_id, proved.proof, tampered), ALL_REFUSE);
      // …and so is the other receipt's value in that position.
      const swapped = [...proved.public_signals];
      swapped[index] = otherProved.public_signals[index]!;
      if (swapped[index] !== proved.public_signals[index]) assert.deepEqual(await verdicts(receipt.receipt_id, proved.proof, swapped), ALL_REFUSE);
    });
  }

  test('a proof for another receipt does not pass for this one', async () => {
    assert.deepEqual(await verdicts(receipt.receipt_id, otherProved.proof, receiptPublicSignals(receipt)), ALL_REFUSE);
    // Its own signals verify as a proof, but the contract holds it to this receipt's commitment.
    assert.equal((await contract.verify(receipt.receipt_id, otherProved.proof, otherProved.public_signals)).valid, false);
    assert.equal((await contract.verify(other.receipt_id, otherProved.proof, otherProved.public_signals)).valid, true);
  });

  test("the seed's zero-public-input forgery is impossible: such a proof proves nothing about a receipt here", async () => {
    // In the seed's design any proof of its circuit verified, whatever the receipt.
    const seed = await new Prover(SEED_CIRCUIT).proveInput({ a: '6', b: '7' });
    const seedVkey = JSON.parse(readFileSync(SEED_CIRCUIT.vkey, 'utf8')) as Groth16VerificationKey;
    assert.deepEqual(seed.publicSignals, []);
    assert.equal(verifyGroth16(seedVkey, [], seed.proof), true, 'the flaw: it verifies against its own key, for no receipt in particular');
    // Offered for our receipt, it fails every verifier…
    assert.deepEqual(await verdicts(receipt.receipt_id, seed.proof, receiptPublicSignals(receipt)), ALL_REFUSE);
    // …and our key cannot be asked about zero public inputs at all.
    assert.equal(verifyGroth16(vkey, [], proved.proof), false);
    assert.equal(verifyGroth16(vkey, proved.public_signals.slice(1), proved.proof), false);
    assert.equal((await contract.verify(receipt.receipt_id, seed.proof, [])).valid, false);
    assert.equal(vkey.nPublic, ZK_PUBLIC_SIGNALS.length);
  });

  test('signals aliased modulo the field order and unregistered receipts are refused', async () => {
    const aliased = [...proved.public_signals];
    aliased[4] = (BigInt(aliased[4]!) + 21888242871839275222246405745257275088548364400416034343698204186575808495617n).toString();
    assert.deepEqual(await verdicts(receipt.receipt_id, proved.proof, aliased), ALL_REFUSE);
    assert.equal((await contract.verify('rcpt-' + '0'.repeat(32), proved.proof, proved.public_signals)).valid, false);
  });

  test('the circuit will not prove a receipt that breaks its rules (price above units × unit_price)', async () => {
    const input = { ...receiptWitnessInput(receipt), price: '999999999' };
    await assert.rejects(prover.proveInput(input));
  });

  test('the contract anchors a proven receipt once', async () => {
    const first = await contract.anchor(receipt.receipt_id, proved.proof, proved.public_signals);
    assert.equal(first.ok, true);
    assert.ok(first.gasUsed > 100_000n && first.gasUsed < 1_000_000n, `gas ${first.gasUsed}`);
    assert.equal((await contract.anchor(receipt.receipt_id, proved.proof, proved.public_signals)).ok, false);
    assert.equal((await contract.anchor(other.receipt_id, proved.proof, proved.public_signals)).ok, false);
  });
});
