// GET /metrics on a live node: heights, mempool, block interval and peers after real blocks, and
// the sync lag a peer ahead of it announces.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { parseExposition, until } from '@aitbc/testkit';
import { genesisHash } from '../src/genesis.ts';
import { genesis, liveNode, transfers } from './live-node.ts';

test('heights, mempool, block interval, peers and sync lag, with default process metrics', async () => {
  const live = await liveNode();
  for (const tx of transfers(live.node, 3)) live.node.submit(tx);
  await until(() => live.node.head().header.height >= 1 && live.node.pending().length === 0, 'a block with the transfers');
  for (const tx of transfers(live.node, 2)) live.node.submit(tx);
  await until(() => live.node.head().header.height >= 2 && live.node.pending().length === 0, 'a second block');

  // A peer that says it is 50 blocks ahead (its RPC is nowhere, so the sync it starts fails, logged).
  const peer = new WebSocket(`ws://127.0.0.1:${live.port}/p2p`);
  await new Promise((resolve, reject) => peer.once('open', resolve).once('error', reject));
  const height = live.node.head().header.height;
  peer.send(JSON.stringify({ type: 'hello', chain_id: genesis.chain_id, genesis_hash: genesisHash(genesis), height: height + 50, rpc_url: 'http://127.0.0.1:1', votes: [] }));
  const scrape = async () => {
    const answer = await live.rpc.inject({ url: '/metrics' });
    assert.equal(answer.statusCode, 200);
    assert.match(String(answer.headers['content-type']), /^text\/plain; version=0\.0\.4/);
    return parseExposition(answer.body);
  };
  const metrics = await until(async () => {
    const scraped = await scrape();
    return scraped.get('aitbc_chain_sync_lag_blocks') ? scraped : null;
  }, 'the peer to be greeted');
  peer.close();

  const head = live.node.head();
  assert.equal(metrics.get('aitbc_chain_head_height'), head.header.height);
  assert.equal(metrics.get('aitbc_chain_final_height'), live.node.finalized().height);
  assert.ok(metrics.get('aitbc_chain_final_height')! >= 2, 'one authority: its blocks are final at once');
  assert.equal(metrics.get('aitbc_chain_sync_lag_blocks'), height + 50 - head.header.height);
  assert.equal(metrics.get('aitbc_chain_peers'), 1);
  assert.equal(metrics.get('aitbc_chain_mempool_transactions'), 0);
  const parent = live.node.store.blockAt(head.header.height - 1)!;
  assert.equal(metrics.get('aitbc_chain_block_interval_seconds'), (head.header.timestamp - parent.header.timestamp) / 1000);
  assert.ok((metrics.get('process_resident_memory_bytes') ?? 0) > 0, 'default process metrics');

  // Not documented in the RPC's OpenAPI, like the coordinator's.
  const openapi = (await live.rpc.inject({ url: '/rpc/openapi.json' })).json();
  assert.equal(openapi.paths['/metrics'], undefined);
});
