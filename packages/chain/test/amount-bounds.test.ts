// Amounts on the chain are bounded by MAX_AMOUNT_MICRO (10^9 AITBC): a genesis may allocate at
// most that in all (nothing mints more, so no balance can pass it), and a transaction whose
// amount, fee or payout is past it is refused as CHAIN_TX_INVALID_FORMAT naming the field and the bound,
// never stored, never a 500.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addressFromPublicKey, base64urlEncode, completeReceipt, formatAmount, generateKeyPair, hashText, MAX_AMOUNT_MICRO, randomHex, signReceipt } from '@aitbc/protocol';
import { validateGenesis, type Genesis } from '../src/genesis.ts';
import { ChainNode } from '../src/node.ts';
import { buildRpc } from '../src/rpc.ts';
import { ChainStore } from '../src/store/chain-store.ts';
import { signTx } from '../src/tx.ts';

const AT = formatAmount(MAX_AMOUNT_MICRO);
const PAST = ['1000000000.000001', '9223372036854.775807', '99999999999999999999', '1'.repeat(5000)];
const authority = generateKeyPair();
const alice = generateKeyPair();
const bob = addressFromPublicKey(generateKeyPair().publicKey);

const genesisWith = (allocations: Genesis['allocations']): unknown => ({
  chain_id: 'aitbc-bounds', genesis_time: 1, block_interval_ms: 100, authorities: [base64urlEncode(authority.publicKey)], coordinators: [base64urlEncode(alice.publicKey)], allocations,
});

test('genesis: an allocation at the bound is valid; one past it, or allocations summing past it, are refused', () => {
  const aliceAddress = addressFromPublicKey(alice.publicKey);
  assert.equal(validateGenesis(genesisWith([{ address: aliceAddress, amount: AT }])).allocations[0]!.amount, AT);
  for (const amount of PAST) assert.throws(() => validateGenesis(genesisWith([{ address: aliceAddress, amount }])), /allocation amount .* is more than 1000000000 AITBC/, amount.slice(0, 25));
  assert.throws(() => validateGenesis(genesisWith([{ address: aliceAddress, amount: '600000000' }, { address: bob, amount: '400000000.000001' }])), /allocations total 1000000000\.000001 AITBC, which is more than 1000000000 AITBC/);
});

test('transactions: amount, fee and payouts past the bound are CHAIN_TX_INVALID_FORMAT with the field; at the bound a transfer moves the whole supply', async () => {
  const store = new ChainStore(':memory:');
  const node = new ChainNode(store, validateGenesis(genesisWith([{ address: addressFromPublicKey(alice.publicKey), amount: AT }])), authority);
  const rpc = await buildRpc(node);
  const submit = (body: Record<string, unknown>) => rpc.inject({ method: 'POST', url: '/rpc/txs', payload: signTx({ chain_id: 'aitbc-bounds', nonce: 0, fee: '0', ...body } as never, alice.secretKey) });
  const assertRejected = async (body: Record<string, unknown>, field: string | undefined, detail: RegExp, code = 'CHAIN_TX_INVALID_FORMAT') => {
    const answer = await submit(body);
    assert.equal(answer.statusCode, 422, answer.body.slice(0, 300));
    assert.equal(answer.json().error_code, code);
    assert.equal(answer.json().field, field);
    assert.match(answer.json().detail, detail);
  };
  try {
    for (const amount of PAST) {
      await assertRejected({ type: 'transfer', to: bob, amount }, 'body.amount', /more than 1000000000 AITBC/);
      await assertRejected({ type: 'transfer', to: bob, amount: '1', fee: amount }, 'body.fee', /more than 1000000000 AITBC/);
    }
    const unsigned = completeReceipt(
      { version: 1, chain_id: 'aitbc-bounds', job_id: `job-${randomHex(12)}`, client: 'alice', provider: bob, miner_id: 'gpu-1', model: 'm', unit_type: 'tokens', unit_price: AT, nonce: randomHex(16), prompt_hash: hashText('p') },
      { units: 3n, maxPriceMicro: MAX_AMOUNT_MICRO, output: 'o', startedAt: 1, completedAt: 2 },
    );
    const receipt = signReceipt(unsigned, 'coordinator', alice.secretKey);
    assert.equal(receipt.price, AT, 'a receipt at the bound is well-formed');
    for (const amount of PAST) {
      await assertRejected({ type: 'settle', miner_keys: {}, receipts: [receipt], payouts: [{ address: bob, amount }] }, 'body.payouts.0.amount', /more than 1000000000 AITBC/);
      await assertRejected({ type: 'settle', miner_keys: {}, receipts: [{ ...receipt, price: amount }], payouts: [] }, 'body.receipts.0.price', /at most 1000000000 AITBC/);
    }
    assert.equal(node.pending().length, 0, 'nothing refused reached the mempool');

    // At the bound: the whole supply moves; one µAIT more than the balance is refused for the balance.
    await assertRejected({ type: 'transfer', to: bob, amount: AT, fee: '0.000001' }, undefined, /balance 1000000000 does not cover amount \+ fee 1000000000\.000001/, 'CHAIN_TX_INSUFFICIENT_BALANCE');
    const whole = await submit({ type: 'transfer', to: bob, amount: AT });
    assert.equal(whole.statusCode, 202, whole.body);
    node.produce();
    assert.equal(node.balanceOf(bob).balance, AT);
    assert.equal(node.balanceOf(addressFromPublicKey(alice.publicKey)).balance, '0');
  } finally {
    await rpc.close();
    store.close();
  }
});
