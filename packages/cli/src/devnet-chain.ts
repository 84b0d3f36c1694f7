// The devnet's chain: one authority in the devnet's own process. Its genesis and keys are written
// once into <data-dir>/chain/ and reused on every restart: the demo client's wallet is funded in
// genesis, and the coordinator's key is the one genesis allows to settle receipts.

import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { addressFromPublicKey, base64urlEncode, type KeyPair } from '@aitbc/protocol';
import { loadOrCreateKeyFile } from '@aitbc/protocol/node';
import { shippedVkey } from './zk-key.ts';
import { ChainNode, ChainStore, buildRpc, signTx, validateGenesis, type Genesis } from '@aitbc/chain';

export interface DevnetChain {
  node: ChainNode;
  url: string;
  genesis: Genesis;
  close(): Promise<void>;
}

export interface DevnetChainOptions {
  dataDir: string;
  port: number;
  blockIntervalMs: number;
  chainId: string;
  /** The coordinator's key: listed in genesis `coordinators`; its address is the clearing address. */
  coordinator: KeyPair;
  /** The demo client's wallet and what genesis gives it. */
  wallet: KeyPair;
  walletFunds: string;
  /** Origins web pages may call the RPC from (CORS). */
  corsOrigins?: readonly string[];
  /** The coordinator the node's web app should use (/web-config.json). */
  coordinatorUrl?: () => string | null;
}

/** The genesis of this data directory, written on first start and never changed after. */
function loadOrWriteGenesis(dir: string, authority: KeyPair, options: DevnetChainOptions): Genesis {
  const path = join(dir, 'genesis.json');
  if (existsSync(path)) return validateGenesis(JSON.parse(readFileSync(path, 'utf8')));
  const vkey = shippedVkey();
  const genesis = validateGenesis({
    chain_id: options.chainId,
    genesis_time: Date.now(),
    block_interval_ms: options.blockIntervalMs,
    authorities: [base64urlEncode(authority.publicKey)],
    coordinators: [base64urlEncode(options.coordinator.publicKey)],
    allocations: [{ address: addressFromPublicKey(options.wallet.publicKey), amount: options.walletFunds }],
    // With the optional prover installed, the devnet chain takes receipt proofs (anchor_proof).
    ...(vkey ? { zk_receipt_vkey: vkey } : {}),
  });
  writeFileSync(path, JSON.stringify(genesis, null, 2) + '\n');
  return genesis;
}

/** Starts the node and its RPC; rejects with EADDRINUSE when the port is taken. */
export async function startDevnetChain(options: DevnetChainOptions): Promise<DevnetChain> {
  const dir = join(options.dataDir, 'chain');
  mkdirSync(dir, { recursive: true });
  const authority = loadOrCreateKeyFile(join(dir, 'authority-key.json'));
  const genesis = loadOrWriteGenesis(dir, authority, options);
  const store = new ChainStore(join(dir, 'chain.db'));
  const node = new ChainNode(store, genesis, authority);
  let rpc: Awaited<ReturnType<typeof buildRpc>>;
  try {
    rpc = await buildRpc(node, { corsOrigins: options.corsOrigins, coordinatorUrl: options.coordinatorUrl });
    await rpc.listen({ port: options.port, host: '127.0.0.1' });
  } catch (error) {
    store.close();
    throw error;
  }
  node.start();
  const port = (rpc.server.address() as { port: number }).port;
  return {
    node,
    url: `http://127.0.0.1:${port}`,
    genesis,
    async close() {
      node.stop();
      await rpc.close();
      store.close();
    },
  };
}

/**
 * Deposits from the demo wallet to the clearing address, memo = each account, once: the wallet's
 * nonce on chain says whether it already did (the chain keeps it across restarts).
 */
export function depositOnce(chain: DevnetChain, wallet: KeyPair, clearingAddress: string, deposits: { account: string; amount: string }[]): boolean {
  const from = addressFromPublicKey(wallet.publicKey);
  if (chain.node.balanceOf(from).nonce > 0 || chain.node.pending().some((tx) => tx.body.from === from)) return false;
  deposits.forEach(({ account, amount }, nonce) => {
    chain.node.submit(signTx({ type: 'transfer', chain_id: chain.genesis.chain_id, to: clearingAddress, amount, fee: '0', nonce, memo: account } as never, wallet.secretKey));
  });
  return true;
}
