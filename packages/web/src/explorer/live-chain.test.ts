import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { BlockView } from '@aitbc/protocol/wire';
import { reduceLive, SHOWN, type LiveChain } from './live-chain.ts';

const empty: LiveChain = { head: null, finalHeight: null, blocks: [], txs: [], receipts: [] };

function block(height: number, txHashes: string[] = [], receiptIds: string[] = []): BlockView {
  return {
    height,
    hash: `h${height}`,
    signature: '',
    header: { height, parent_hash: `h${height - 1}`, timestamp: 1_000 * height, proposer: 'p', tx_root: '', receipt_root: '', state_root: '' },
    transactions: txHashes.map((hash) => ({ hash, signature: '', body: { type: 'transfer', chain_id: 'c', from: 'ait1a', public_key: 'k', fee: '0', nonce: 0, to: 'ait1b', amount: '1' } })),
    receipts: receiptIds.map((receipt_id) => ({ receipt_id, model: 'demo', price: '0.5' }) as BlockView['receipts'][number]),
  };
}

test('a pending transaction becomes included when its block arrives, without a second row', () => {
  let state = reduceLive(empty, { kind: 'event', event: { topic: 'txs', hash: 't1', status: 'pending', block_height: null } });
  assert.deepEqual(state.txs.map((tx) => [tx.hash, tx.status]), [['t1', 'pending']]);
  state = reduceLive(state, { kind: 'block', block: block(5, ['t1', 't2']) });
  assert.deepEqual(state.txs.map((tx) => [tx.hash, tx.status, tx.block_height]), [['t2', 'included', 5], ['t1', 'included', 5]]);
  assert.equal(state.txs[1]!.body?.type, 'transfer');
});

test('blocks stay newest first, each once, at most SHOWN.blocks', () => {
  let state = empty;
  for (const height of [3, 1, 2, 3, ...Array.from({ length: 20 }, (_, i) => 10 + i)]) state = reduceLive(state, { kind: 'block', block: block(height) });
  assert.equal(state.blocks.length, SHOWN.blocks);
  assert.deepEqual(state.blocks.map((b) => b.height), Array.from({ length: SHOWN.blocks }, (_, i) => 29 - i));
});

test("a receipt settled in a block and later proven keeps its price and shows the proof; the final height never goes back", () => {
  let state = reduceLive(empty, { kind: 'block', block: block(7, [], ['rcpt-1']) });
  state = reduceLive(state, { kind: 'event', event: { topic: 'receipts', receipt_id: 'rcpt-1', block_height: 7, proven: false } });
  state = reduceLive(state, { kind: 'event', event: { topic: 'receipts', receipt_id: 'rcpt-1', block_height: 9, proven: true } });
  assert.deepEqual(state.receipts, [{ receipt_id: 'rcpt-1', block_height: 7, proven: true, model: 'demo', price: '0.5' }]);
  state = reduceLive(state, { kind: 'event', event: { topic: 'finalized', height: 6, hash: 'h6' } });
  state = reduceLive(state, { kind: 'event', event: { topic: 'finalized', height: 4, hash: 'h4' } });
  assert.equal(state.finalHeight, 6);
});
