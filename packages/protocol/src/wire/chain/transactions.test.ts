import { test } from 'node:test';
import assert from 'node:assert/strict';
import { settledTo, type TxBody } from './transactions.ts';

const common = { chain_id: 'c', from: 'ait1coordinator', public_key: 'k', fee: '0', nonce: 0 };
const settle = { ...common, type: 'settle', miner_keys: {}, receipts: [], payouts: [{ address: 'ait1a', amount: '0.25' }, { address: 'ait1b', amount: '1.5' }] } as TxBody;

test("a settle in a miner's history says what it paid that miner; other addresses and types get nothing", () => {
  assert.equal(settledTo(settle, 'ait1b'), '1.5');
  assert.equal(settledTo(settle, 'ait1a'), '0.25');
  assert.equal(settledTo(settle, 'ait1coordinator'), null);
  const transfer = { ...common, type: 'transfer', to: 'ait1b', amount: '2' } as TxBody;
  assert.equal(settledTo(transfer, 'ait1b'), null);
});
