// A single-authority chain node serving RPC, /rpc/ws and /p2p on a loopback port, with funded
// payers, for the tests that attack its sockets; plus the small tools those tests share.

import { after } from 'node:test';
import { addressFromPublicKey, base64urlEncode, generateKeyPair, type KeyPair } from '@aitbc/protocol';
import { useNodeCrypto } from '@aitbc/protocol/node';
import type { FastifyInstance } from 'fastify';
import WebSocket from 'ws';
import type { Genesis } from '../src/genesis.ts';
import { ChainNode } from '../src/node.ts';
import { Gossip, type GossipOptions } from '../src/p2p.ts';
import { buildRpc } from '../src/rpc.ts';
import type { SubscriptionLimits } from '../src/subscriptions.ts';
import { signTx } from '../src/tx.ts';
import { closedAfterTest } from './stores.ts';

useNodeCrypto(); // as `aitbc node` does: these tests sign and verify thousands of transactions
export const authority = generateKeyPair();
export const payers: KeyPair[] = Array.from({ length: 40 }, () => generateKeyPair());
export const genesis: Genesis = {
  chain_id: 'aitbc-sockets',
  genesis_time: Date.now() - 1_000,
  block_interval_ms: 100,
  authorities: [base64urlEncode(authority.publicKey)],
  coordinators: [],
  allocations: payers.map((pair) => ({ address: addressFromPublicKey(pair.publicKey), amount: '1000000' })),
};

export interface LiveNode {
  node: ChainNode;
  gossip: Gossip;
  rpc: FastifyInstance;
  port: number;
  logs: Record<string, unknown>[];
}

const running: LiveNode[] = [];
after(async () => {
  for (const live of running.splice(0)) {
    live.node.stop();
    live.gossip.stop();
    await live.rpc.close();
  }
});

/** Starts a node (an authority unless `key` is null) that proposes in real time; stopped after the file's tests. */
export async function liveNode(options: { gossip?: Partial<GossipOptions>; subscriptions?: SubscriptionLimits; key?: KeyPair | null; clock?: () => number; start?: boolean } = {}): Promise<LiveNode> {
  const node = new ChainNode(closedAfterTest(), genesis, options.key === undefined ? authority : options.key, options.clock);
  const logs: Record<string, unknown>[] = [];
  const log = (event: Record<string, unknown>) => logs.push(event);
  const gossip = new Gossip(node, { peers: [], rpcUrl: 'http://127.0.0.1:0', log, ...options.gossip });
  const rpc = await buildRpc(node, { gossip, subscriptions: options.subscriptions, log });
  await rpc.listen({ port: 0, host: '127.0.0.1' });
  const live = { node, gossip, rpc, port: (rpc.server.address() as { port: number }).port, logs };
  running.push(live);
  if (options.start !== false) {
    gossip.start();
    node.start();
  }
  return live;
}

const nonces = new WeakMap<ChainNode, Map<KeyPair, number>>();
/** Signed transfers for `node`'s chain from the payers in turn, each with the payer's next nonce. */
export function transfers(node: ChainNode, count: number, memo = ''): unknown[] {
  const to = addressFromPublicKey(authority.publicKey);
  if (!nonces.has(node)) nonces.set(node, new Map());
  const next = nonces.get(node)!;
  return Array.from({ length: count }, (_, index) => {
    const payer = payers[index % payers.length]!;
    const nonce = next.get(payer) ?? 0;
    next.set(payer, nonce + 1);
    return signTx({ type: 'transfer', chain_id: genesis.chain_id, to, amount: '0.000001', fee: '0', nonce, ...(memo ? { memo } : {}) } as never, payer.secretKey);
  });
}


/** The process's resident memory, sampled until `stop()`: returns the peak growth in bytes. */
export function rssPeak(): { stop: () => number } {
  const base = process.memoryUsage().rss;
  let peak = base;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 25);
  return {
    stop: () => {
      clearInterval(timer);
      return Math.max(peak, process.memoryUsage().rss) - base;
    },
  };
}

/** Opens a WebSocket to `path` on the node (errors after it opens are the test's to watch). */
export function openSocket(live: LiveNode, path: string): Promise<WebSocket> {
  const socket = new WebSocket(`ws://127.0.0.1:${live.port}${path}`);
  socket.on('error', () => undefined);
  return new Promise((resolve, reject) => {
    socket.once('open', () => resolve(socket));
    socket.once('unexpected-response', (_request, response) => reject(new Error(`the upgrade was refused with ${response.statusCode}`)));
  });
}

/** The HTTP answer to a WebSocket upgrade the node refuses: its status and JSON body. */
export function upgradeRefusal(live: LiveNode, path: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const socket = new WebSocket(`ws://127.0.0.1:${live.port}${path}`);
  socket.on('error', () => undefined);
  return new Promise((resolve, reject) => {
    socket.once('open', () => reject(new Error(`${path} was let in`)));
    socket.once('unexpected-response', async (_request, response) => {
      let text = '';
      for await (const chunk of response) text += chunk;
      resolve({ status: response.statusCode ?? 0, body: JSON.parse(text) });
    });
  });
}
