// `npm run bench` (chain part): signed transfers per second through one node — admission
// (signature, nonce, balance), block production and commit to SQLite — beside this machine's
// Ed25519 verifications per second, which bound admission.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { addressFromPublicKey, base64urlEncode, generateKeyPair, utf8, sign, verify } from '@aitbc/protocol';
import { ChainNode, ChainStore, signTx, type SignedTx } from '@aitbc/chain';

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
  const store = new ChainStore(join(dir, 'chain.db'));
  try {
    const node = new ChainNode(store, {
      chain_id: 'aitbc-bench',
      genesis_time: Date.now() - 1000,
      block_interval_ms: 1000,
      authorities: [base64urlEncode(authority.publicKey)],
      coordinators: [],
      allocations: senders.map((sender) => ({ address: addressFromPublicKey(sender.publicKey), amount: '1000' })),
    }, authority);
    const to = addressFromPublicKey(generateKeyPair().publicKey);
    const txs: SignedTx[] = [];
    for (let nonce = 0; nonce < 10; nonce++) for (const sender of senders) txs.push(signTx({ type: 'transfer', chain_id: 'aitbc-bench', to, amount: '1', fee: '0.001', nonce } as never, sender.secretKey));
    started = performance.now();
    let blocks = 0;
    for (let i = 0; i < txs.length; i += 500) {
      for (const tx of txs.slice(i, i + 500)) node.submit(tx);
      while (node.produce()) blocks++;
    }
    const seconds = (performance.now() - started) / 1000;
    console.log(`chain   ${txs.length} signed transfers admitted, in ${blocks} blocks, committed in ${(seconds * 1000).toFixed(0)} ms = ${Math.round(txs.length / seconds).toLocaleString('en')}/s; Ed25519 verifications alone: ${Math.round(verifyPerSecond).toLocaleString('en')}/s`);
  } finally {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
