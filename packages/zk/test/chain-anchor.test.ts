// anchor_proof on a real chain node: a settled receipt's proof is verified against genesis'
// verification key and the receipt the node holds, then shown as proven over RPC; a follower
// re-verifies it on import and refuses a sealed block around a bad proof. A proof with any public input changed, for another receipt, for an
// unsettled receipt or for a receipt already proven is refused with its reason.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { addressFromPublicKey, base64urlEncode, formatAmount, generateKeyPair, parseAmount, type Receipt } from '@aitbc/protocol';
import { receiptPublicSignals, verifyGroth16, ZK_PUBLIC_SIGNALS, type Groth16VerificationKey } from '@aitbc/protocol/zk';
import { blockHash, buildRpc, ChainNode, ChainStore, merkleRoot, receiptRoot, signBlockHash, signTx, txHash, TxRejectedError, type Genesis } from '@aitbc/chain';
import { RECEIPT_CIRCUIT } from '../src/artifacts.ts';
import { Prover, shutdownProver, verifyWithSnarkjs, type ReceiptProof } from '../src/prover.ts';
import { coordinator, cosignedReceipt, miner, provider } from './fixtures.ts';

const CHAIN = 'aitbc-zk';
const authority = generateKeyPair();
const anchorer = generateKeyPair();
const genesis: Genesis = {
  chain_id: CHAIN,
  genesis_time: 1_764_000_000_000,
  block_interval_ms: 100,
  authorities: [base64urlEncode(authority.publicKey)],
  coordinators: [base64urlEncode(coordinator.publicKey)],
  allocations: [
    { address: addressFromPublicKey(coordinator.publicKey), amount: '100' },
    { address: addressFromPublicKey(anchorer.publicKey), amount: '1' },
  ],
  zk_receipt_vkey: JSON.parse(readFileSync(RECEIPT_CIRCUIT.vkey, 'utf8')) as Groth16VerificationKey,
};

let clock = genesis.genesis_time;
const stores: ChainStore[] = [];
function chainNode(key = authority as typeof authority | null): ChainNode {
  const store = new ChainStore(':memory:');
  stores.push(store);
  return new ChainNode(store, genesis, key, () => clock);
}
const produceNext = (chain: ChainNode) => {
  clock += genesis.block_interval_ms;
  return chain.produce();
};

const settle = (receipts: Receipt[], nonce: number) =>
  signTx(
    {
      type: 'settle', chain_id: CHAIN, fee: '0', nonce, miner_keys: { 'gpu-1': base64urlEncode(miner.publicKey) }, receipts,
      payouts: [{ address: provider, amount: formatAmount(receipts.reduce((sum, r) => sum + parseAmount(r.price), 0n)) }],
    } as never,
    coordinator.secretKey,
  );
const anchor = (proof: ReceiptProof, nonce: number, changes: Partial<ReceiptProof> = {}) =>
  signTx({ type: 'anchor_proof', chain_id: CHAIN, fee: '0.001', nonce, receipt_id: proof.receipt_id, proof: proof.proof, public_signals: proof.public_signals, ...changes } as never, anchorer.secretKey);

const prover = new Prover();
let settled: Receipt;
let unsettled: Receipt;
let v2: Receipt;
let proofs: { settled: ReceiptProof; unsettled: ReceiptProof; v2: ReceiptProof };
before(async () => {
  settled = cosignedReceipt(CHAIN);
  unsettled = cosignedReceipt(CHAIN, 77n);
  v2 = cosignedReceipt(CHAIN, 99n, coordinator, 2);
  const [a, b, c] = await Promise.all([prover.prove(settled), prover.prove(unsettled), prover.prove(v2)]);
  proofs = { settled: a, unsettled: b, v2: c };
});
after(async () => {
  for (const store of stores.splice(0)) store.close();
  await shutdownProver();
});

test('a proof of a settled receipt is anchored, shown as proven over RPC, and re-verified by a follower', async () => {
  const chain = chainNode();
  const rpc = await buildRpc(chain);
  try {
    chain.submit(settle([settled], 0));
    const settleBlock = produceNext(chain)!;
    const before = (await rpc.inject({ url: `/rpc/receipts/${settled.receipt_id}` })).json();
    assert.deepEqual([before.proven, before.proof_tx_hash], [false, null]);

    const submitted = await rpc.inject({ method: 'POST', url: '/rpc/txs', payload: anchor(proofs.settled, 0) });
    assert.equal(submitted.statusCode, 202, submitted.body);
    const block = produceNext(chain)!;
    const shown = (await rpc.inject({ url: `/rpc/receipts/${settled.receipt_id}` })).json();
    assert.deepEqual([shown.proven, shown.proof_tx_hash, shown.proof_block_height], [true, submitted.json().hash, block.header.height]);
    assert.equal(chain.balanceOf(addressFromPublicKey(anchorer.publicKey)).balance, '0.999', 'the anchorer paid the fee');

    const follower = chainNode(null);
    follower.import(settleBlock);
    follower.import(block);
    assert.equal(follower.store.receiptProof(settled.receipt_id)?.txHash, submitted.json().hash);

    const again = await rpc.inject({ method: 'POST', url: '/rpc/txs', payload: anchor(proofs.settled, 1) });
    assert.equal(again.statusCode, 422);
    assert.match(again.json().detail, /already proven/);
  } finally {
    await rpc.close();
  }
});

test('a version-2 receipt (model digest, backend, params hash) is proven with the same circuit, settled and anchored', async () => {
  assert.equal(v2.version, 2);
  assert.deepEqual(proofs.v2.public_signals, receiptPublicSignals(v2));
  assert.equal(await verifyWithSnarkjs(genesis.zk_receipt_vkey!, proofs.v2.public_signals, proofs.v2.proof), true);
  assert.equal(verifyGroth16(genesis.zk_receipt_vkey!, proofs.v2.public_signals, proofs.v2.proof), true);
  const digestSwapped = receiptPublicSignals({ ...v2, model_digest: `sha256:${'00'.repeat(32)}` });
  assert.notEqual(digestSwapped[0], proofs.v2.public_signals[0], 'another digest is another commitment');
  assert.equal(verifyGroth16(genesis.zk_receipt_vkey!, digestSwapped, proofs.v2.proof), false, 'so the proof does not cover a receipt naming other weights');

  const chain = chainNode();
  chain.submit(settle([v2], 0));
  const settleBlock = produceNext(chain)!;
  assert.equal(chain.store.receiptProof(v2.receipt_id), null);
  const hash = chain.submit(anchor(proofs.v2, 0));
  const block = produceNext(chain)!;
  assert.equal(chain.store.receiptProof(v2.receipt_id)?.txHash, hash);
  const follower = chainNode(null);
  follower.import(settleBlock);
  follower.import(block);
  assert.equal(follower.store.receiptProof(v2.receipt_id)?.txHash, hash);
});

test('the node refuses a proof with any public input changed, for another receipt, or for an unsettled receipt', () => {
  const chain = chainNode();
  chain.submit(settle([settled], 0));
  produceNext(chain);
  const refused = (tx: unknown, reason: RegExp) => assert.throws(() => chain.submit(tx), (error: unknown) => error instanceof TxRejectedError && reason.test(error.message), String(reason));
  for (const [index, name] of ZK_PUBLIC_SIGNALS.entries()) {
    const tampered = [...proofs.settled.public_signals];
    tampered[index] = (BigInt(tampered[index]!) + 1n).toString();
    refused(anchor(proofs.settled, 0, { public_signals: tampered }), new RegExp(`public signal ${name} is not receipt`));
  }
  // The other receipt's proof under this receipt's id: its signals are not this receipt's…
  refused(anchor(proofs.unsettled, 0, { receipt_id: settled.receipt_id }), /public signal commitment is not receipt/);
  // …and with this receipt's signals its proof does not verify.
  refused(anchor(proofs.unsettled, 0, { receipt_id: settled.receipt_id, public_signals: proofs.settled.public_signals }), /proof does not verify/);
  refused(anchor(proofs.unsettled, 0), /is not settled on this chain/);
  refused(anchor(proofs.settled, 0, { public_signals: [] }), /public_signals must list/);
  refused(anchor(proofs.settled, 0, { public_signals: proofs.settled.public_signals.slice(1) }), /public_signals must be the 5 signals/);
  chain.submit(anchor(proofs.settled, 0));
  assert.equal(chain.pending().length, 1);
});

test('a block carrying a bad proof is refused on import, even when its authority sealed it', () => {
  const honest = chainNode();
  honest.submit(settle([settled], 0));
  const settleBlock = produceNext(honest)!;
  const follower = chainNode(null);
  follower.import(settleBlock);
  // An authority that skips the checks: a correctly sealed block around a tampered proof.
  const tampered = [...proofs.settled.public_signals];
  tampered[3] = '1';
  const tx = anchor(proofs.settled, 0, { public_signals: tampered });
  clock += genesis.block_interval_ms;
  const header = {
    height: 2, parent_hash: settleBlock.hash, timestamp: clock, proposer: base64urlEncode(authority.publicKey),
    tx_root: merkleRoot([txHash(tx.body)]), receipt_root: receiptRoot([]), state_root: settleBlock.header.state_root,
  };
  const hash = blockHash(header);
  const forged = { header, hash, signature: signBlockHash(hash, authority.secretKey), txs: [tx] };
  assert.throws(() => follower.import(forged), /transaction 0 cannot run: public signal price is not receipt/);
  assert.equal(follower.head().hash, settleBlock.hash);
});
