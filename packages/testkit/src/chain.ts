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
  /** Signs and submits any transaction from `from` (type and its fields; chain id, fee and nonce are filled in). */
  send(from: KeyPair, body: Record<string, unknown>): string;
  /** Stops answering RPC (the node keeps its state), as a node that went away. */
  down(): Promise<void>;
  /** Answers again on the same port. */
  up(): Promise<void>;
  close(): Promise<void>;
}

export async function startTestChain(options: {
  coordinator: KeyPair;
  allocations: { address: string; amount: string }[];
  chainId?: string;
  /** Genesis unbonding_delay_blocks and slash_amount (the chain's defaults otherwise). */
  unbondingDelayBlocks?: number;
  slashAmount?: string;
}): Promise<TestChain> {
  const authority = generateKeyPair();
  const genesis = validateGenesis({
    chain_id: options.chainId ?? 'aitbc-devnet',
    genesis_time: Date.now() - 1_000,
    block_interval_ms: 100,
    authorities: [base64urlEncode(authority.publicKey)],
    coordinators: [base64urlEncode(options.coordinator.publicKey)],
    allocations: options.allocations,
    ...(options.unbondingDelayBlocks === undefined ? {} : { unbonding_delay_blocks: options.unbondingDelayBlocks }),
    ...(options.slashAmount === undefined ? {} : { slash_amount: options.slashAmount }),
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
  const send = (from: KeyPair, body: Record<string, unknown>) => {
    const nonce = node.balanceOf(addressFromPublicKey(from.publicKey)).nonce + node.pending().filter((tx) => tx.body.public_key === base64urlEncode(from.publicKey)).length;
    return node.submit(signTx({ chain_id: genesis.chain_id, fee: '0', nonce, ...body } as never, from.secretKey));
  };
  return {
    node,
    url: `http://127.0.0.1:${port}`,
    genesis,
    balance: (address) => parseAmount(node.balanceOf(address).balance),
    transfer(from, to, amount, memo) {
      return send(from, { type: 'transfer', to, amount, ...(memo === undefined ? {} : { memo }) });
    },
    send,
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
