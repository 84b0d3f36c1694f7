// Admission with a long queue from one sender: each next nonce is taken, a gap or a repeat is
// refused with the nonce expected, the balance counts everything queued, and after a block (a new
// head) or a dropped transaction the sender's queue is counted again from the stored state.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addressFromPublicKey, base64urlEncode, generateKeyPair, type KeyPair } from '@aitbc/protocol';
import { TxRejectedError } from '../src/errors.ts';
import type { Genesis } from '../src/genesis.ts';
import { ChainNode } from '../src/node.ts';
import { signTx } from '../src/tx.ts';
import { closedAfterTest } from './stores.ts';

const authority = generateKeyPair();
const alice = generateKeyPair();
const address = (pair: KeyPair) => addressFromPublicKey(pair.publicKey);
const bob = address(generateKeyPair());
const genesis: Genesis = {
  chain_id: 'aitbc-admission',
  genesis_time: 1_764_000_000_000,
  block_interval_ms: 100,
  authorities: [base64urlEncode(authority.publicKey)],
  coordinators: [],
  // Enough for 1,000 transfers of 0.01 with a 0.0001 fee, not for 1,001.
  allocations: [{ address: address(alice), amount: '10.1' }],
};
const transfer = (nonce: number, amount = '0.01') => signTx({ type: 'transfer', chain_id: 'aitbc-admission', to: bob, amount, fee: '0.0001', nonce } as never, alice.secretKey);

function refused(run: () => unknown, code: string, context: object): void {
  assert.throws(run, (error: unknown) => {
    assert.ok(error instanceof TxRejectedError);
    assert.equal(error.code, code);
    assert.deepEqual(error.context, context);
    return true;
  });
}

test("one sender's long queue: next nonces admitted, gaps and repeats refused, its balance counted over the whole queue, recounted after a block", () => {
  let clock = genesis.genesis_time;
  const node = new ChainNode(closedAfterTest(), genesis, authority, () => clock);
  for (let nonce = 0; nonce < 600; nonce++) node.submit(transfer(nonce));
  refused(() => node.submit(transfer(601)), 'CHAIN_TX_INVALID_NONCE', { expected_nonce: 600 });
  refused(() => node.submit(transfer(300, '0.02')), 'CHAIN_TX_INVALID_NONCE', { expected_nonce: 600 });
  assert.equal(node.pending().length, 600);

  // A block takes the queue in nonce order; admission then counts from the new head.
  clock += genesis.block_interval_ms;
  const block = node.produce()!;
  assert.deepEqual(block.txs.map((tx) => tx.body.nonce), Array.from({ length: 600 }, (_, nonce) => nonce));
  assert.equal(node.pending().length, 0);
  refused(() => node.submit(transfer(599, '0.03')), 'CHAIN_TX_INVALID_NONCE', { expected_nonce: 600 });
  for (let nonce = 600; nonce < 1_000; nonce++) node.submit(transfer(nonce));
  // 1,000 transfers of 0.0101 spend the 10.1 exactly: the 1,001st is refused for what is queued.
  refused(() => node.submit(transfer(1_000)), 'CHAIN_TX_INSUFFICIENT_BALANCE', { balance: '0', needed: '0.0101' });
  clock += genesis.block_interval_ms;
  assert.equal(node.produce()!.txs.length, 400);
  assert.deepEqual(node.balanceOf(address(alice)), { balance: '0', nonce: 1_000 });
});

test('a queued transaction that leaves the mempool makes admission count the sender again', () => {
  let clock = genesis.genesis_time;
  const node = new ChainNode(closedAfterTest(), genesis, authority, () => clock);
  const hashes = [0, 1, 2].map((nonce) => node.submit(transfer(nonce)));
  // Its nonce 1 leaves (as a producer drops one that no longer runs): 3 now follows a gap.
  (node as unknown as { mempool: { delete(hash: string): void } }).mempool.delete(hashes[1]!);
  refused(() => node.submit(transfer(3)), 'CHAIN_TX_INVALID_NONCE', { expected_nonce: 1 });
  node.submit(transfer(1, '0.02'));
  clock += genesis.block_interval_ms;
  assert.deepEqual(node.produce()!.txs.map((tx) => [tx.body.nonce, (tx.body as { amount: string }).amount]), [[0, '0.01'], [1, '0.02'], [2, '0.01']]);
});
