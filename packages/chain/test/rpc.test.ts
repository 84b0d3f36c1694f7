// The RPC paths tools rely on, over app.inject: submit, mempool, head, blocks by height and
// hash, transactions, accounts, and errors in the envelope.

import { test } from 'node:test';
import WebSocket from 'ws';
import assert from 'node:assert/strict';
import { addressFromPublicKey, base64urlEncode, generateKeyPair } from '@aitbc/protocol';
import { TxRejectedError } from '../src/errors.ts';
import { ChainNode } from '../src/node.ts';
import { buildRpc } from '../src/rpc.ts';
import { ChainStore } from '../src/store/chain-store.ts';
import { signTx } from '../src/tx.ts';
import { Subscriptions } from '../src/subscriptions.ts';

test('submit, produce, and read everything back over RPC', async () => {
  const authority = generateKeyPair();
  const alice = generateKeyPair();
  const bob = addressFromPublicKey(generateKeyPair().publicKey);
  const store = new ChainStore(':memory:');
  const node = new ChainNode(store, { chain_id: 'aitbc-rpc', genesis_time: 1, block_interval_ms: 100, authorities: [base64urlEncode(authority.publicKey)], coordinators: [], allocations: [{ address: addressFromPublicKey(alice.publicKey), amount: '10' }] }, authority);
  const rpc = await buildRpc(node);
  try {
    const tx = signTx({ type: 'transfer', chain_id: 'aitbc-rpc', to: bob, amount: '4', fee: '0', nonce: 0, memo: 'alice' } as never, alice.secretKey);
    const submitted = await rpc.inject({ method: 'POST', url: '/rpc/txs', payload: tx });
    assert.equal(submitted.statusCode, 202);
    const { hash } = submitted.json();
    assert.equal((await rpc.inject({ url: '/rpc/mempool' })).json().transactions[0].hash, hash);
    assert.equal((await rpc.inject({ url: `/rpc/txs/${hash}` })).json().status, 'pending');

    const block = node.produce()!;
    assert.deepEqual((await rpc.inject({ url: '/rpc/head' })).json(), { chain_id: 'aitbc-rpc', height: 1, hash: block.hash, timestamp: block.header.timestamp, state_root: block.header.state_root, finalized_height: 1, finalized_hash: block.hash });
    const byHeight = (await rpc.inject({ url: '/rpc/blocks/1' })).json();
    assert.equal(byHeight.hash, block.hash);
    assert.equal(byHeight.transactions[0].hash, hash);
    assert.deepEqual((await rpc.inject({ url: `/rpc/blocks/${block.hash}` })).json(), byHeight);
    const included = (await rpc.inject({ url: `/rpc/txs/${hash}` })).json();
    assert.deepEqual([included.status, included.block_height, included.body.memo], ['included', 1, 'alice']);
    assert.deepEqual((await rpc.inject({ url: `/rpc/accounts/${bob}` })).json(), { address: bob, balance: '4', nonce: 0, bonded: '0', unbonding: '0' });
    const history = (await rpc.inject({ url: `/rpc/accounts/${bob}/txs` })).json();
    assert.deepEqual(history.transactions.map((entry: { hash: string }) => entry.hash), [hash], 'received transfers are in the history');

    const rejected = await rpc.inject({ method: 'POST', url: '/rpc/txs', payload: tx });
    assert.equal(rejected.statusCode, 422);
    assert.deepEqual([rejected.json().error_code, rejected.json().context], ['CHAIN_TX_ALREADY_KNOWN', { tx_hash: hash }], 'a replay is refused with its code and hash');
    assert.equal(rejected.json().request_id, rejected.headers['x-request-id']);
    assert.equal((await rpc.inject({ url: '/rpc/blocks/99' })).json().error_code, 'BLOCK_NOT_FOUND');
    assert.equal((await rpc.inject({ url: '/rpc/txs/00' })).json().error_code, 'TX_NOT_FOUND');
    assert.equal((await rpc.inject({ url: '/rpc/accounts/bob' })).json().field, 'address');
    assert.equal((await rpc.inject({ method: 'POST', url: '/rpc/txs', payload: '{bad', headers: { 'content-type': 'application/json' } })).json().error_code, 'VALIDATION_INVALID_FORMAT');
    const openapi = (await rpc.inject({ url: '/rpc/openapi.json' })).json();
    assert.deepEqual(Object.keys(openapi.paths).sort(), [
      '/rpc/accounts/{address}', '/rpc/accounts/{address}/proof', '/rpc/accounts/{address}/txs', '/rpc/authorities', '/rpc/blocks', '/rpc/blocks/{id}', '/rpc/bonds/{address}', '/rpc/head', '/rpc/mempool', '/rpc/receipts/{id}', '/rpc/slashes/{receipt_id}', '/rpc/txs', '/rpc/txs/batch', '/rpc/txs/{hash}', '/web-config.json',
    ]);
    for (const path of ['/rpc/bonds/{address}', '/rpc/slashes/{receipt_id}']) assert.ok(openapi.paths[path].get.responses['200'].content['application/json'].schema.properties, `${path} documents its 200 answer`);
    assert.match(openapi.paths['/rpc/txs'].post.responses['422'].description, /CHAIN_TX_\*/);
    assert.match(openapi.paths['/rpc/txs'].post.responses['503'].description, /CHAIN_TX_MEMPOOL_FULL/);
    assert.match(openapi.paths['/rpc/blocks'].post.responses['422'].description, /CHAIN_BLOCK_\*/);
  } finally {
    await rpc.close();
    store.close();
  }
});

test('POST /rpc/txs/batch admits many in order, each with its hash or its own error; a forged signature is refused', async () => {
  const authority = generateKeyPair();
  const alice = generateKeyPair();
  const bob = addressFromPublicKey(generateKeyPair().publicKey);
  const store = new ChainStore(':memory:');
  const node = new ChainNode(store, { chain_id: 'aitbc-batch', genesis_time: 1, block_interval_ms: 1000, authorities: [base64urlEncode(authority.publicKey)], coordinators: [], allocations: [{ address: addressFromPublicKey(alice.publicKey), amount: '100' }] }, authority);
  const rpc = await buildRpc(node);
  try {
    // 40: enough for the worker threads to take part (MIN_WORKER_BATCH).
    const txs = Array.from({ length: 40 }, (_, nonce) => signTx({ type: 'transfer', chain_id: 'aitbc-batch', to: bob, amount: '1', fee: '0', nonce } as never, alice.secretKey));
    txs[38] = txs[37]!; // the same transaction twice
    // Alice's signature over 1 AITBC, on a body that now says 90: what someone hoping to move her money would send.
    txs[39] = { ...txs[38]!, body: { ...txs[38]!.body, nonce: 38, amount: '90' } as never };
    const answer = await rpc.inject({ method: 'POST', url: '/rpc/txs/batch', payload: { transactions: [...txs, 'not a transaction'] } });
    assert.equal(answer.statusCode, 200);
    const { results } = answer.json() as { results: ({ hash: string; status: string } | { error: { error_code: string; field?: string; request_id: string } })[] };
    assert.equal(results.length, 41);
    const refused = results.flatMap((result, i) => ('error' in result ? [[i, result.error.error_code, result.error.field ?? null]] : []));
    assert.deepEqual(refused, [
      [38, 'CHAIN_TX_ALREADY_KNOWN', null],
      [39, 'CHAIN_TX_INVALID_SIGNATURE', 'transactions.39.signature'],
      [40, 'CHAIN_TX_INVALID_FORMAT', 'transactions.40'],
    ]);
    const admitted = results.flatMap((result) => ('hash' in result ? [result.hash] : []));
    assert.deepEqual(node.pendingEntries().map(([hash]) => hash), admitted, 'admitted in the order sent');
    assert.equal(admitted.length, 38);
    assert.ok(results.every((result) => !('error' in result) || result.error.request_id === answer.headers['x-request-id']));
    assert.equal(node.produce()!.txs.length, 38);
    assert.equal(node.balanceOf(bob).balance, '38', 'the forged transfer moved nothing');

    for (const payload of [{ transactions: [] }, { transactions: Array(501).fill(txs[0]) }, { txs }, [txs[0]]]) {
      const wrong = await rpc.inject({ method: 'POST', url: '/rpc/txs/batch', payload });
      assert.deepEqual([wrong.statusCode, wrong.json().error_code, wrong.json().field], [422, 'VALIDATION_INVALID_FORMAT', 'transactions']);
    }
  } finally {
    await rpc.close();
    store.close();
  }
});

test('WS /rpc/ws pushes pending and included transactions, new heads and finality; block ranges page', async () => {
  const authority = generateKeyPair();
  const alice = generateKeyPair();
  const bob = addressFromPublicKey(generateKeyPair().publicKey);
  const store = new ChainStore(':memory:');
  let clock = 1_000;
  const node = new ChainNode(store, { chain_id: 'aitbc-ws', genesis_time: 1, block_interval_ms: 100, authorities: [base64urlEncode(authority.publicKey)], coordinators: [], allocations: [{ address: addressFromPublicKey(alice.publicKey), amount: '10' }] }, authority, () => clock);
  const rpc = await buildRpc(node);
  try {
    await rpc.listen({ port: 0, host: '127.0.0.1' });
    const url = `ws://127.0.0.1:${(rpc.server.address() as { port: number }).port}/rpc/ws`;
    const refused = new WebSocket(`${url}?topics=heads,gossip`);
    const refusal = await new Promise<string>((resolve) => refused.once('message', (data) => resolve(data.toString())));
    assert.equal(JSON.parse(refusal).field, 'topics');

    const socket = new WebSocket(`${url}?topics=heads,finalized,txs`);
    const messages: Record<string, unknown>[] = [];
    socket.on('message', (data) => messages.push(JSON.parse(data.toString())));
    await new Promise((resolve) => socket.once('open', resolve));
    const hashes: string[] = [];
    for (let nonce = 0; nonce < 3; nonce++) {
      hashes.push(node.submit(signTx({ type: 'transfer', chain_id: 'aitbc-ws', to: bob, amount: '1', fee: '0', nonce } as never, alice.secretKey)));
      clock += 100;
      node.produce();
    }
    for (let i = 0; i < 100 && messages.length < 12; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    socket.terminate();
    const first = messages.slice(0, 4);
    assert.deepEqual(first, [
      { topic: 'txs', hash: hashes[0], status: 'pending', block_height: null },
      { topic: 'heads', height: 1, hash: node.store.hashAt(1), timestamp: 1_100, txs: 1 },
      { topic: 'txs', hash: hashes[0], status: 'included', block_height: 1 },
      { topic: 'finalized', height: 1, hash: node.store.hashAt(1) },
    ]);
    assert.equal(messages.length, 12, 'four messages per block');

    const page = (await rpc.inject({ url: '/rpc/blocks?from=1&limit=2' })).json();
    assert.deepEqual(page.blocks.map((block: { height: number }) => block.height), [1, 2]);
    assert.equal((await rpc.inject({ url: '/rpc/blocks?from=1&limit=500' })).json().field, 'limit');
  } finally {
    await rpc.close();
    store.close();
  }
});

test('WS receipts topic: a settled receipt, then its proof', () => {
  const authority = generateKeyPair();
  const store = new ChainStore(':memory:');
  const node = new ChainNode(store, { chain_id: 'aitbc-ws2', genesis_time: 1, block_interval_ms: 100, authorities: [base64urlEncode(authority.publicKey)], coordinators: [], allocations: [] }, authority);
  const sent: Record<string, unknown>[] = [];
  const socket = { readyState: WebSocket.OPEN, bufferedAmount: 0, send: (text: string) => sent.push(JSON.parse(text)), on: () => undefined };
  new Subscriptions(node).add(socket as never, 'receipts');
  const block = (txs: unknown[], height: number) => ({ header: { height }, hash: 'h', signature: '', txs }) as never;
  node.emit('block', block([{ body: { type: 'settle', receipts: [{ receipt_id: 'rcpt-a' }, { receipt_id: 'rcpt-b' }] } }], 4));
  node.emit('block', block([{ body: { type: 'anchor_proof', receipt_id: 'rcpt-a' } }, { body: { type: 'transfer' } }], 5));
  assert.deepEqual(sent, [
    { topic: 'receipts', receipt_id: 'rcpt-a', block_height: 4, proven: false },
    { topic: 'receipts', receipt_id: 'rcpt-b', block_height: 4, proven: false },
    { topic: 'receipts', receipt_id: 'rcpt-a', block_height: 5, proven: true },
  ]);
  store.close();
});

test('a refusal carries its code, field and typed context in the envelope; a full mempool is a 503 with retry_after', async () => {
  const authority = generateKeyPair();
  const alice = generateKeyPair();
  const bob = addressFromPublicKey(generateKeyPair().publicKey);
  const store = new ChainStore(':memory:');
  const node = new ChainNode(store, { chain_id: 'aitbc-refusals', genesis_time: 1, block_interval_ms: 2_500, authorities: [base64urlEncode(authority.publicKey)], coordinators: [], allocations: [{ address: addressFromPublicKey(alice.publicKey), amount: '10' }] }, authority);
  const rpc = await buildRpc(node);
  try {
    const early = signTx({ type: 'transfer', chain_id: 'aitbc-refusals', to: bob, amount: '1', fee: '0', nonce: 3 } as never, alice.secretKey);
    const refused = await rpc.inject({ method: 'POST', url: '/rpc/txs', payload: early });
    assert.equal(refused.statusCode, 422);
    const { request_id, ...envelope } = refused.json();
    assert.equal(typeof request_id, 'string');
    assert.deepEqual(envelope, { detail: "nonce 3 is not the sender's next nonce 0", error_code: 'CHAIN_TX_INVALID_NONCE', field: 'body.nonce', context: { expected_nonce: 0 } });

    const block = await rpc.inject({ method: 'POST', url: '/rpc/blocks', payload: { header: {}, hash: 'x', signature: 'y', txs: [] } });
    assert.deepEqual([block.statusCode, block.json().error_code, block.json().context], [422, 'CHAIN_BLOCK_INVALID_FORMAT', {}]);

    node.submit = () => {
      throw new TxRejectedError('CHAIN_TX_MEMPOOL_FULL', 'the mempool is full; retry later', { limit: 10_000 });
    };
    const full = await rpc.inject({ method: 'POST', url: '/rpc/txs', payload: early });
    assert.deepEqual([full.statusCode, full.json().error_code, full.json().retry_after, full.json().context], [503, 'CHAIN_TX_MEMPOOL_FULL', 3, { limit: 10_000 }], 'retry after a block interval, in whole seconds');
  } finally {
    await rpc.close();
    store.close();
  }
});

test('a signed block carrying a transaction that is no JSON object is refused as CHAIN_BLOCK_INVALID_TX, not a 500', async () => {
  const authority = generateKeyPair();
  const alice = generateKeyPair();
  const genesis = { chain_id: 'aitbc-rpc', genesis_time: 1, block_interval_ms: 100, authorities: [base64urlEncode(authority.publicKey)], coordinators: [], allocations: [{ address: addressFromPublicKey(alice.publicKey), amount: '10' }] };
  const producerStore = new ChainStore(':memory:');
  const followerStore = new ChainStore(':memory:');
  const producer = new ChainNode(producerStore, genesis, authority);
  const rpc = await buildRpc(new ChainNode(followerStore, genesis, null));
  try {
    producer.submit(signTx({ type: 'transfer', chain_id: 'aitbc-rpc', to: addressFromPublicKey(generateKeyPair().publicKey), amount: '1', fee: '0', nonce: 0, memo: '' } as never, alice.secretKey));
    const block = JSON.parse(JSON.stringify(producer.produce()));
    const answer = await rpc.inject({ method: 'POST', url: '/rpc/blocks', payload: { ...block, txs: ['not a transaction'] } });
    assert.equal(answer.statusCode, 422);
    assert.deepEqual([answer.json().error_code, answer.json().field, answer.json().context.tx_code], ['CHAIN_BLOCK_INVALID_TX', 'txs.0.body', 'CHAIN_TX_INVALID_FORMAT']);
  } finally {
    await rpc.close();
    producerStore.close();
    followerStore.close();
  }
});
