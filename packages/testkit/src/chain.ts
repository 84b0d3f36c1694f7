// A real one-authority chain node in this process, on a real port, for the coordinator's chain
// tests: it can be taken down and brought back on the same port, and it tells balances directly.

import { addressFromPublicKey, base64urlEncode, generateKeyPair, parseAmount, type KeyPair } from '@aitbc/protocol';
import { ChainNode, ChainStore, buildRpc, signTx, validateGenesis, type Genesis } from '@aitbc/chain';
import type { FastifyInstance } from 'fastify';
import { freePort } from './ports.ts';

export interface TestChain {
  node: ChainNode;
  url: string;
  genesis: Genesis;
  /** µAIT held by an address. */
  balance(address: string): bigint;
  /** Signs and submits a transfer from `from`, throwing the node's reason if refused. */
  transfer(from: KeyPair, to: string, amount: string, memo?: string): string;
  /** Stops answering RPC (the node keeps its state), as a node that went away. */
  down(): Promise<void>;
  /** Answers again on the same port. */
  up(): Promise<void>;
  close(): Promise<void>;
}

export async function startTestChain(options: { coordinator: KeyPair; allocations: { address: string; amount: string }[]; chainId?: string }): Promise<TestChain> {
  const authority = generateKeyPair();
  const genesis = validateGenesis({
    chain_id: options.chainId ?? 'aitbc-devnet',
    genesis_time: Date.now() - 1_000,
    block_interval_ms: 100,
    authorities: [base64urlEncode(authority.publicKey)],
    coordinators: [base64urlEncode(options.coordinator.publicKey)],
    allocations: options.allocations,
  });
  const store = new ChainStore(':memory:');
  const node = new ChainNode(store, genesis, authority);
  node.start();
  const port = await freePort();
  let rpc: FastifyInstance | null = null;
  const up = async () => {
    rpc = await buildRpc(node);
    await rpc.listen({ port, host: '127.0.0.1' });
  };
  await up();
  return {
    node,
    url: `http://127.0.0.1:${port}`,
    genesis,
    balance: (address) => parseAmount(node.balanceOf(address).balance),
    transfer(from, to, amount, memo) {
      const nonce = node.balanceOf(addressFromPublicKey(from.publicKey)).nonce + node.pending().filter((tx) => tx.body.public_key === base64urlEncode(from.publicKey)).length;
      return node.submit(signTx({ type: 'transfer', chain_id: genesis.chain_id, to, amount, fee: '0', nonce, ...(memo === undefined ? {} : { memo }) } as never, from.secretKey));
    },
    async down() {
      await rpc?.close();
      rpc = null;
    },
    up,
    async close() {
      node.stop();
      await rpc?.close();
      store.close();
    },
  };
}
