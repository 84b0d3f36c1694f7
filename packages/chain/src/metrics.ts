// GET /metrics on the node's RPC, in the Prometheus text format (prom-client): heights, mempool,
// peers, block interval and sync lag, read at scrape time, and default process metrics. One
// registry per RPC app: tests run several nodes in one process.

import type { FastifyInstance } from 'fastify';
import { Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { ChainNode } from './node.ts';
import type { Gossip } from './p2p.ts';

export function registerMetricsRoute(app: FastifyInstance, node: ChainNode, gossip?: Gossip): void {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  const head = new Gauge({ name: 'aitbc_chain_head_height', help: "Height of this node's head block.", registers });
  const final = new Gauge({ name: 'aitbc_chain_final_height', help: 'Height of the highest final block (never reverted).', registers });
  const mempool = new Gauge({ name: 'aitbc_chain_mempool_transactions', help: 'Transactions waiting for a block.', registers });
  const peers = new Gauge({ name: 'aitbc_chain_peers', help: 'Peers connected over /p2p, both directions.', registers });
  const interval = new Gauge({ name: 'aitbc_chain_block_interval_seconds', help: 'Seconds between the timestamps of the head block and its parent (0 at genesis).', registers });
  const syncLag = new Gauge({ name: 'aitbc_chain_sync_lag_blocks', help: 'Highest height a connected peer has announced minus this node\'s head; 0 when none is ahead or there are no peers. Peers claim heights unchecked: a hint, not proof.', registers });

  app.get('/metrics', { schema: { hide: true } }, async (_request, reply) => {
    const top = node.head();
    const height = top.header.height;
    const parent = height > 0 ? node.store.blockAt(height - 1) : null;
    head.set(height);
    final.set(node.finalized().height);
    mempool.set(node.pending().length);
    peers.set(gossip?.count() ?? 0);
    interval.set(parent ? Math.max(0, top.header.timestamp - parent.header.timestamp) / 1000 : 0);
    syncLag.set(Math.max(0, (gossip?.bestPeerHeight() ?? 0) - height));
    return reply.type(registry.contentType).send(await registry.metrics());
  });
}
