import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { SignedTx } from '@aitbc/protocol/wire';
import { settledTo } from './tx-summary.ts';

const common = { chain_id: 'c', from: 'ait1coordinator', public_key: 'k', fee: '0', nonce: 0 };
const settle = { ...common, type: 'settle', miner_keys: {}, receipts: [], payouts: [{ address: 'ait1a', amount: '0.25' }, { address: 'ait1b', amount: '1.5' }] } as unknown as SignedTx['body'];

test("a settle's row on a miner's account says what it paid that miner, and nothing on another's", () => {
  assert.equal(settledTo(settle, 'ait1b'), '1.5');
  assert.equal(settledTo(settle, 'ait1a'), '0.25');
  assert.equal(settledTo(settle, 'ait1coordinator'), null);
  assert.equal(settledTo({ ...common, type: 'transfer', to: 'ait1b', amount: '2' } as SignedTx['body'], 'ait1b'), null);
});
