// The SDK's chain client against a real node (a one-authority chain on a real port): the head and
// accounts, a wallet restored from its recovery phrase signing transfers the chain accepts, nonces
// that count the mempool, refusals as typed errors, history with times and fees, subscriptions
// and waiting for finality.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { generateKeyPair, verifyAccountProof } from '@aitbc/protocol';
import type { ChainEvent } from '@aitbc/protocol/wire';
import { startTestChain, type TestChain } from '@aitbc/testkit/chain';
import { until } from '@aitbc/testkit';
import { ChainClient, NetworkError, NotFoundError, ValidationError, Wallet, generateMnemonic } from '../src/chain/index.ts';

const phrase = generateMnemonic();
const alice = Wallet.fromMnemonic(phrase);
const bob = Wallet.fromMnemonic(generateMnemonic());
let chain: TestChain;
let client: ChainClient;

before(async () => {
  chain = await startTestChain({ coordinator: generateKeyPair(), allocations: [{ address: alice.address, amount: '100' }], chainId: 'aitbc-sdk' });
  client = new ChainClient({ url: chain.url, WebSocket });
});
after(() => chain.close());

test('head and account: the chain id, heights, and a funded balance', async () => {
  const head = await client.head();
  assert.equal(head.chain_id, 'aitbc-sdk');
  assert.ok(head.finalized_height <= head.height);
  assert.deepEqual(await client.account(alice.address), { address: alice.address, balance: '100', nonce: 0, bonded: '0', unbonding: '0' });
  assert.equal((await client.block(0)).height, 0);
  assert.deepEqual((await client.blocks({ from: 0, limit: 1 })).map((block) => block.height), [0]);
});

test('a wallet restored from its phrase signs a transfer the chain accepts and makes final', async () => {
  const restored = Wallet.fromMnemonic(phrase);
  assert.equal(restored.address, alice.address);
  const sent = await client.send(restored, { type: 'transfer', to: bob.address, amount: '2.5', fee: '0.001', memo: 'restored' });
  assert.equal(sent.status, 'pending');
  assert.equal(sent.tx.body.from, alice.address);
  const final = await client.waitForFinal(sent.hash);
  assert.equal(final.final, true);
  assert.equal((await client.block(final.block_height)).transactions.some((tx) => tx.hash === sent.hash), true);
  assert.equal((await client.account(bob.address)).balance, '2.5');
  assert.equal((await client.account(alice.address)).balance, '97.499');

  // Bob's history says when it arrived and what it cost.
  const [entry] = await client.history(bob.address);
  assert.equal(entry?.hash, sent.hash);
  assert.equal(entry?.body.fee, '0.001');
  assert.equal(entry?.block_time, (await client.block(final.block_height)).header.timestamp);
});

test('accountProof: a balance proven against a block header, absence proven, and a changed balance refused', async () => {
  const answer = await client.accountProof(alice.address, 0);
  const header = (await client.block(0)).header;
  assert.equal(answer.height, 0);
  assert.deepEqual(answer.account, { kind: 'account', address: alice.address, balance: '100000000', nonce: 0 });
  assert.equal(verifyAccountProof(answer, header.state_root), true);
  assert.equal(verifyAccountProof({ ...answer, account: { ...answer.account!, balance: '100000001' } }, header.state_root), false);
  const nobody = await client.accountProof(Wallet.fromMnemonic(generateMnemonic()).address);
  assert.equal(nobody.account, null);
  assert.equal(verifyAccountProof(nobody, (await client.block(nobody.height)).header.state_root), true);
  await assert.rejects(client.accountProof(alice.address, 1_000_000), NotFoundError);
});

test('the next nonce counts the sender\'s transactions still in the mempool', async () => {
  // Stopped block production keeps them pending, so the count is what is being tested.
  chain.node.stop();
  try {
    const start = (await client.account(alice.address)).nonce;
    const first = await client.send(alice, { type: 'transfer', to: bob.address, amount: '1', fee: '0' });
    const second = await client.send(alice, { type: 'transfer', to: bob.address, amount: '1', fee: '0' });
    assert.deepEqual([first.tx.body.nonce, second.tx.body.nonce], [start, start + 1]);
    assert.equal(await client.nextNonce(alice.address), start + 2);
    assert.deepEqual((await client.mempool()).map((tx) => tx.hash).sort(), [first.hash, second.hash].sort());
    assert.equal((await client.tx(second.hash)).status, 'pending');
  } finally {
    chain.node.start();
  }
  await until(async () => (await client.mempool()).length === 0, 'the pending transfers in a block');
});

test('submitMany hands the node many transactions in one request, each answered on its own', async () => {
  chain.node.stop();
  try {
    const start = await client.nextNonce(alice.address);
    const txs = await client.prepareMany(alice, Array.from({ length: 20 }, () => ({ type: 'transfer' as const, to: bob.address, amount: '0.01', fee: '0' })));
    const results = await client.submitMany([...txs, txs[0]!]);
    assert.deepEqual(results.slice(0, 20).map((result) => ('hash' in result ? 'pending' : result.error.error_code)), txs.map(() => 'pending'));
    const again = results[20]!;
    assert.ok('error' in again && again.error.error_code === 'CHAIN_TX_ALREADY_KNOWN', 'the one sent twice is refused alone');
    assert.equal(await client.nextNonce(alice.address), start + 20);
  } finally {
    chain.node.start();
  }
  await until(async () => (await client.mempool()).length === 0, 'the batch in blocks');
});

test('a refused transaction is a ValidationError with the chain\'s code and field; an unknown one is NotFoundError', async () => {
  const tx = await client.prepare(bob, { type: 'transfer', to: alice.address, amount: '1000', fee: '0' });
  await assert.rejects(client.submit(tx), (error: unknown) => {
    assert.ok(error instanceof ValidationError, String(error));
    assert.match(error.errorCode, /^CHAIN_TX_/);
    assert.equal(error.status, 422);
    return true;
  });
  await assert.rejects(client.tx('00'.repeat(32)), (error: unknown) => error instanceof NotFoundError && error.errorCode === 'TX_NOT_FOUND');
  await assert.rejects(new ChainClient({ url: 'http://127.0.0.1:1', retry: { maxAttempts: 1 } }).head(), NetworkError);
});

test('a subscription sees the next block and its transaction', async () => {
  const events: ChainEvent[] = [];
  const subscription = client.subscribe({ topics: ['heads', 'txs'], onEvent: (event) => events.push(event) });
  await subscription.opened;
  const { hash } = await client.send(alice, { type: 'transfer', to: bob.address, amount: '0.5', fee: '0' });
  await until(() => events.some((event) => event.topic === 'txs' && event.hash === hash && event.status === 'included'), 'the transfer included');
  const included = events.find((event) => event.topic === 'txs' && event.hash === hash && event.status === 'included') as Extract<ChainEvent, { topic: 'txs' }>;
  assert.ok(events.some((event) => event.topic === 'heads' && event.height === included.block_height && event.txs >= 1), 'the block came as a head');
  subscription.close();
  assert.equal((await subscription.closed).code, 1000);
});

test('an unknown topic is refused as a ValidationError naming the field', async () => {
  const errors: unknown[] = [];
  const subscription = client.subscribe({ topics: ['blocks' as never], onEvent: () => undefined, onError: (error) => errors.push(error) });
  assert.equal((await subscription.closed).code, 1008);
  assert.ok(errors[0] instanceof ValidationError);
  assert.equal(errors[0].field, 'topics');
  assert.match(errors[0].detail, /Unknown topic blocks/);
});
