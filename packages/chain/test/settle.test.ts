// Settlement: a coordinator pays co-signed receipts' prices to their providers in one
// transaction; the node re-verifies every receipt, pays exactly once, and anchors the receipts
// in the block (receipt_root); followers re-check all of it.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addressFromPublicKey, base64urlEncode, completeReceipt, formatAmount, generateKeyPair, hashText, parseAmount, randomHex, signReceipt, type KeyPair, type Receipt } from '@aitbc/protocol';
import type { Genesis } from '../src/genesis.ts';
import { ChainNode, TxRejectedError } from '../src/node.ts';
import { closedAfterTest } from './stores.ts';
import { signTx, type SettleBody } from '../src/tx.ts';


const authority = generateKeyPair();
const coordinator = generateKeyPair();
const miner = generateKeyPair();
const provider = addressFromPublicKey(miner.publicKey);
const genesis: Genesis = {
  chain_id: 'aitbc-settle',
  genesis_time: 1_764_000_000_000,
  block_interval_ms: 100,
  authorities: [base64urlEncode(authority.publicKey)],
  coordinators: [base64urlEncode(coordinator.publicKey)],
  allocations: [{ address: addressFromPublicKey(coordinator.publicKey), amount: '100' }],
};

// One clock for every node of a test; each block is made one slot later.
let clock = genesis.genesis_time;
const produceNext = (chain: ChainNode) => {
  clock += genesis.block_interval_ms;
  return chain.produce();
};

function node(key: KeyPair | null = authority): ChainNode {
  const store = closedAfterTest();
  return new ChainNode(store, genesis, key, () => clock);
}

function receipt(units: bigint, signer = coordinator, minerKey = miner): Receipt {
  const unsigned = completeReceipt(
    {
      version: 1, chain_id: 'aitbc-settle', job_id: `job-${randomHex(12)}`, client: 'alice', provider, miner_id: 'gpu-1', model: 'llama3.2',
      unit_type: 'tokens', unit_price: '0.002', nonce: randomHex(16), prompt_hash: hashText('p'),
    },
    { units, maxPriceMicro: 10_000_000n, output: 'o', startedAt: 1, completedAt: 2 },
  );
  return signReceipt(signReceipt(unsigned, 'miner', minerKey.secretKey), 'coordinator', signer.secretKey);
}

function settle(receipts: Receipt[], nonce: number, extra: Partial<SettleBody> = {}, signer = coordinator) {
  const total = receipts.reduce((sum, r) => sum + parseAmount(r.price), 0n);
  return signTx(
    { type: 'settle', chain_id: 'aitbc-settle', fee: '0', nonce, miner_keys: { 'gpu-1': base64urlEncode(miner.publicKey) }, receipts, payouts: [{ address: provider, amount: formatAmount(total) }], ...extra } as never,
    signer.secretKey,
  );
}

test('a settlement pays each receipt once to its provider and anchors it in the block', () => {
  const chain = node();
  const receipts = [receipt(100n), receipt(23n)];
  chain.submit(settle(receipts, 0));
  const block = produceNext(chain)!;
  assert.equal(chain.balanceOf(provider).balance, '0.246');
  assert.equal(chain.balanceOf(addressFromPublicKey(coordinator.publicKey)).balance, '99.754');
  assert.equal(chain.store.receipt(receipts[1]!.receipt_id)?.blockHeight, block.header.height);

  const follower = node(null);
  follower.import(block);
  assert.equal(follower.head().header.receipt_root, block.header.receipt_root);
  assert.equal(follower.balanceOf(provider).balance, '0.246');

  assert.throws(() => chain.submit(settle([receipts[0]!], 1)), (error: unknown) => error instanceof TxRejectedError && /already settled/.test(error.message));
});

test('every way a settlement can be wrong is refused at admission', () => {
  const chain = node();
  const good = receipt(10n);
  const stranger = generateKeyPair();
  const refused = (tx: unknown, reason: RegExp) => assert.throws(() => chain.submit(tx), (error: unknown) => error instanceof TxRejectedError && reason.test(error.message), String(reason));
  refused(settle([good], 0, {}, stranger), /not a coordinator listed in genesis/);
  refused(settle([{ ...good, price: '0.03' }], 0), /receipt_id does not match|no valid signature/);
  refused(settle([receipt(10n, stranger)], 0), /no valid signature of the settling coordinator/);
  refused(settle([receipt(10n, coordinator, stranger)], 0), /miner signature does not verify/);
  refused(settle([good], 0, { miner_keys: {} }), /miner_keys has no key for miner gpu-1/);
  refused(settle([good], 0, { payouts: [{ address: provider, amount: '1' }] }), /payouts must be exactly/);
  refused(settle([good, good], 0), /already settled/);
  chain.submit(settle([good], 0));
  refused(settle([good], 1), /already settled/);
});
