// Settlement: a coordinator pays co-signed receipts' prices to their providers in one
// transaction; the node re-verifies every receipt, pays exactly once, and anchors the receipts
// in the block (receipt_root); followers re-check all of it.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addressFromPublicKey, base64urlEncode, completeReceipt, formatAmount, generateKeyPair, hashText, parseAmount, randomHex, signReceipt, type KeyPair, type Receipt } from '@aitbc/protocol';
import type { Genesis } from '../src/genesis.ts';
import { TxRejectedError } from '../src/errors.ts';
import { ChainNode } from '../src/node.ts';
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

// The coordinator's outbox acts on these codes and on the receipt_id of the context: it sets an
// invalid receipt aside, and counts a settled one as paid.
test('every way a settlement can be wrong is refused at admission, naming the receipt at fault', () => {
  const chain = node();
  const good = receipt(10n);
  const stranger = generateKeyPair();
  const refused = (tx: unknown, code: string, context: object, field: string, reason: RegExp) =>
    assert.throws(() => chain.submit(tx), (error: unknown) => {
      assert.ok(error instanceof TxRejectedError, String(error));
      assert.deepEqual([error.code, error.context, error.field], [code, context, field], error.message);
      assert.match(error.message, reason);
      return true;
    });
  const id = good.receipt_id;
  refused(settle([good], 0, {}, stranger), 'CHAIN_TX_NOT_COORDINATOR', {}, 'body.public_key', /not a coordinator listed in genesis/);
  const repriced = { ...good, price: '0.03' };
  refused(settle([good, repriced], 0), 'CHAIN_TX_RECEIPT_INVALID', { receipt_id: id }, 'body.receipts.1.receipt_id', /receipt_id does not match its contents/);
  const byStranger = receipt(10n, stranger);
  refused(settle([byStranger], 0), 'CHAIN_TX_RECEIPT_INVALID', { receipt_id: byStranger.receipt_id }, 'body.receipts.0.signatures', /no valid signature of the settling coordinator/);
  const minedByStranger = receipt(10n, coordinator, stranger);
  refused(settle([good, minedByStranger], 0), 'CHAIN_TX_RECEIPT_INVALID', { receipt_id: minedByStranger.receipt_id }, 'body.receipts.1.signatures', /miner signature does not verify/);
  refused(settle([good], 0, { miner_keys: {} }), 'CHAIN_TX_RECEIPT_INVALID', { receipt_id: id }, 'body.miner_keys', /miner_keys has no key for miner gpu-1/);
  const expected = [{ address: provider, amount: good.price }];
  refused(settle([good], 0, { payouts: [{ address: provider, amount: '1' }] }), 'CHAIN_TX_PAYOUTS_MISMATCH', { expected }, 'body.payouts', /payouts must be exactly/);
  refused(settle([good, good], 0), 'CHAIN_TX_RECEIPT_ALREADY_SETTLED', { receipt_id: id }, 'body.receipts.1', /already settled/);
  chain.submit(settle([good], 0));
  const other = receipt(20n);
  refused(settle([other, good], 1), 'CHAIN_TX_RECEIPT_ALREADY_SETTLED', { receipt_id: id }, 'body.receipts.1', /receipt .* was already settled/);
});
