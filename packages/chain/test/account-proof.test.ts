// GET /rpc/accounts/{address}/proof: an account's leaf and path against a block's state root, at
// the head or an older height, presence and absence, checked with @aitbc/protocol's verifier
// against the block header; bad heights and addresses are refused in the envelope.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addressFromPublicKey, base64urlEncode, generateKeyPair, verifyAccountProof, type KeyPair } from '@aitbc/protocol';
import type { AccountProof } from '@aitbc/protocol/wire';
import type { Genesis } from '../src/genesis.ts';
import { ChainNode } from '../src/node.ts';
import { buildRpc } from '../src/rpc.ts';
import { signTx } from '../src/tx.ts';
import { closedAfterTest } from './stores.ts';

const authority = generateKeyPair();
const alice = generateKeyPair();
const address = (pair: KeyPair) => addressFromPublicKey(pair.publicKey);
const genesis: Genesis = {
  chain_id: 'aitbc-proof',
  genesis_time: 1_764_000_000_000,
  block_interval_ms: 100,
  authorities: [base64urlEncode(authority.publicKey)],
  coordinators: [],
  allocations: [{ address: address(alice), amount: '100' }, ...Array.from({ length: 20 }, () => ({ address: address(generateKeyPair()), amount: '1' }))],
};

test('proofs of a balance at the head and at older heights verify against those headers; absence too; tampering fails', async (t) => {
  let clock = genesis.genesis_time;
  const node = new ChainNode(closedAfterTest(), genesis, authority, () => clock);
  const bob = address(generateKeyPair());
  for (let nonce = 0; nonce < 2; nonce++) {
    node.submit(signTx({ type: 'transfer', chain_id: 'aitbc-proof', to: bob, amount: '10', fee: '0', nonce } as never, alice.secretKey));
    clock += genesis.block_interval_ms;
    node.produce();
  }
  const app = await buildRpc(node);
  t.after(() => app.close());
  const proof = async (who: string, height?: number) => {
    const response = await app.inject({ method: 'GET', url: `/rpc/accounts/${who}/proof${height === undefined ? '' : `?height=${height}`}` });
    assert.equal(response.statusCode, 200, response.body);
    return JSON.parse(response.body) as AccountProof;
  };
  const rootAt = (height: number) => node.store.blockAt(height)!.header.state_root;

  const head = await proof(address(alice));
  assert.equal(head.height, 2);
  assert.deepEqual(head.account, { kind: 'account', address: address(alice), balance: '80000000', nonce: 2 });
  assert.ok(verifyAccountProof(head, rootAt(2)));
  assert.ok(!verifyAccountProof(head, rootAt(1)), 'not against another block');
  assert.ok(!verifyAccountProof({ ...head, account: { ...head.account!, balance: '90000000' } }, rootAt(2)), 'a changed balance');
  assert.ok(!verifyAccountProof({ ...head, address: bob }, rootAt(2)), "another address's claim");

  for (const [height, balance] of [[0, '100000000'], [1, '90000000']] as const) {
    const older = await proof(address(alice), height);
    assert.equal(older.account?.balance, balance);
    assert.ok(verifyAccountProof(older, rootAt(height)), `height ${height}`);
  }
  // Bob holds nothing at genesis and 20 AIT at the head.
  const before = await proof(bob, 0);
  assert.equal(before.account, null);
  assert.ok(verifyAccountProof(before, rootAt(0)));
  assert.ok(!verifyAccountProof({ ...before, account: { kind: 'account', address: bob, balance: '1', nonce: 0 } }, rootAt(0)), 'absence cannot be turned into a balance');
  assert.equal((await proof(bob)).account?.balance, '20000000');

  const refused = async (url: string, status: number, code: string, field?: string) => {
    const response = await app.inject({ method: 'GET', url });
    assert.equal(response.statusCode, status, response.body);
    assert.equal(JSON.parse(response.body).error_code, code);
    if (field) assert.equal(JSON.parse(response.body).field, field);
  };
  await refused(`/rpc/accounts/${bob}/proof?height=3`, 404, 'BLOCK_NOT_FOUND');
  await refused(`/rpc/accounts/${bob}/proof?height=-1`, 422, 'VALIDATION_INVALID_FORMAT', 'height');
  await refused('/rpc/accounts/nobody/proof', 422, 'VALIDATION_INVALID_FORMAT', 'address');
});
