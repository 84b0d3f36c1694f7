// `npm run bench` (chain part):
// - signed transfers per second through one node — admission (signature, nonce, balance), block
//   production and commit to SQLite — beside this machine's Ed25519 verifications per second,
//   which bound admission;
// - sync: a fresh follower fetches those blocks from the node's RPC by height ranges and fully
//   re-validates and commits each one (signatures, roots, every transaction re-executed).

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { addressFromPublicKey, base64urlEncode, generateKeyPair, utf8, sign, verify } from '@aitbc/protocol';
import { ChainNode, ChainStore, Gossip, buildRpc, signTx, type Genesis, type SignedTx } from '@aitbc/chain';

const INTERVAL = 1000;

export async function benchChain(): Promise<void> {
  const message = utf8('x'.repeat(300));
  const keys = generateKeyPair();
  const signature = sign(message, keys.secretKey);
  let started = performance.now();
  const verifications = 20_000;
  for (let i = 0; i < verifications; i++) verify(signature, message, keys.publicKey);
  const verifyPerSecond = verifications / ((performance.now() - started) / 1000);

  const dir = mkdtempSync(join(tmpdir(), 'aitbc-chain-bench-'));
  const authority = generateKeyPair();
  const senders = Array.from({ length: 200 }, () => generateKeyPair());
  // The producer runs on a clock of its own, one slot per block, so production is not paced by the interval.
  let clock = Date.now() - 100_000 * INTERVAL;
  const genesis: Genesis = {
    chain_id: 'aitbc-bench',
    genesis_time: clock,
    block_interval_ms: INTERVAL,
    authorities: [base64urlEncode(authority.publicKey)],
    coordinators: [],
    allocations: senders.map((sender) => ({ address: addressFromPublicKey(sender.publicKey), amount: '1000' })),
  };
  const store = new ChainStore(join(dir, 'chain.db'));
  const followerStore = new ChainStore(join(dir, 'follower.db'));
  const node = new ChainNode(store, genesis, authority, () => clock);
  const rpc = await buildRpc(node);
  try {
    const to = addressFromPublicKey(generateKeyPair().publicKey);
    const txs: SignedTx[] = [];
    for (let nonce = 0; nonce < 10; nonce++) for (const sender of senders) txs.push(signTx({ type: 'transfer', chain_id: 'aitbc-bench', to, amount: '1', fee: '0.001', nonce } as never, sender.secretKey));
    started = performance.now();
    let blocks = 0;
    for (let i = 0; i < txs.length; i += 500) {
      for (const tx of txs.slice(i, i + 500)) node.submit(tx);
      for (clock += INTERVAL; node.produce(); clock += INTERVAL) blocks++;
    }
    const seconds = (performance.now() - started) / 1000;
    console.log(`chain   ${txs.length} signed transfers admitted, in ${blocks} blocks, committed in ${(seconds * 1000).toFixed(0)} ms = ${Math.round(txs.length / seconds).toLocaleString('en')}/s; Ed25519 verifications alone: ${Math.round(verifyPerSecond).toLocaleString('en')}/s`);

    // Many small blocks for the sync figure: 2,000 more blocks of 5 transfers each.
    const nonces = senders.map(() => 10);
    for (let made = 0; made < 2_000; made++) {
      for (let k = 0; k < 5; k++) {
        const index = (made * 5 + k) % senders.length;
        node.submit(signTx({ type: 'transfer', chain_id: 'aitbc-bench', to, amount: '1', fee: '0', nonce: nonces[index]!++ } as never, senders[index]!.secretKey));
      }
      clock += INTERVAL;
      node.produce();
    }
    await rpc.listen({ port: 0, host: '127.0.0.1' });
    const follower = new ChainNode(followerStore, genesis, null);
    const gossip = new Gossip(follower, { peers: [], rpcUrl: 'http://127.0.0.1:0' });
    const height = node.head().header.height;
    started = performance.now();
    await gossip.syncFrom(`http://127.0.0.1:${(rpc.server.address() as { port: number }).port}`);
    const syncSeconds = (performance.now() - started) / 1000;
    if (follower.head().hash !== node.head().hash) throw new Error(`sync stopped at ${follower.head().header.height} of ${height}`);
    console.log(`sync    ${height} blocks (${txs.length + 10_000} transfers) fetched over HTTP, re-validated and committed in ${(syncSeconds * 1000).toFixed(0)} ms = ${Math.round(height / syncSeconds).toLocaleString('en')} blocks/s`);
  } finally {
    await rpc.close();
    store.close();
    followerStore.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

// Run alone: node --conditions=@aitbc/source --import tsx bench/chain.bench.ts
if (import.meta.url === `file://${process.argv[1]}`) {
  const { useNodeCrypto } = await import('@aitbc/protocol/node');
  useNodeCrypto();
  await benchChain();
}
