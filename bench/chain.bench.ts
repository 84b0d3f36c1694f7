// `npm run bench` (chain part):
// - signed transfers per second through one node — admission (signature, nonce, balance), block
//   production and commit to SQLite — beside this machine's Ed25519 verifications per second on
//   one thread, timed in turn with them, and the ratio: 500 a request with the signatures checked
//   on worker threads (POST /rpc/txs/batch), and one at a time, each verified in line;
// - sync: a fresh follower fetches blocks from the node's RPC by height ranges and fully
//   re-validates and commits each one (signatures, roots, every transaction re-executed);
// - block commit time (a block of 5 transfers: production and commit) on chains of 200, 10,000
//   and 100,000 accounts, the accounts made by the genesis allocations;
// - admission per transaction with few and with 5,000 transactions of the same sender pending.

import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { addressFromPublicKey, base64urlEncode, generateKeyPair, utf8, sign, verify, type KeyPair } from '@aitbc/protocol';
import { ChainNode, ChainStore, Gossip, buildRpc, signTx, type Genesis, type SignedTx } from '@aitbc/chain';

const INTERVAL = 1000;
const CHAIN_ID = 'aitbc-bench';

const perSecond = (count: number, ms: number) => Math.round((count / ms) * 1000).toLocaleString('en');
const transfer = (from: KeyPair, to: string, nonce: number, fee = '0.001'): SignedTx =>
  signTx({ type: 'transfer', chain_id: CHAIN_ID, to, amount: '0.000001', fee, nonce } as never, from.secretKey);

/** A one-authority chain in `dir` whose producer runs on its own clock, one slot per block. */
function makeChain(dir: string, name: string, senders: KeyPair[], fillerAccounts = 0) {
  const authority = generateKeyPair();
  const clock = { now: Date.now() - 1_000_000 * INTERVAL };
  const allocations = senders.map((sender) => ({ address: addressFromPublicKey(sender.publicKey), amount: '1000' }));
  // Accounts that only exist (random addresses holding 1 AIT): what makes a chain large.
  for (let i = 0; i < fillerAccounts; i++) allocations.push({ address: addressFromPublicKey(randomBytes(32)), amount: '1' });
  const genesis: Genesis = { chain_id: CHAIN_ID, genesis_time: clock.now, block_interval_ms: INTERVAL, authorities: [base64urlEncode(authority.publicKey)], coordinators: [], allocations };
  const store = new ChainStore(join(dir, `${name}.db`));
  const node = new ChainNode(store, genesis, authority, () => clock.now);
  const produce = () => {
    clock.now += INTERVAL;
    return node.produce();
  };
  return { node, store, genesis, produce };
}

export async function benchChain(): Promise<void> {
  const message = utf8('x'.repeat(300));
  const keys = generateKeyPair();
  const signature = sign(message, keys.secretKey);
  const dir = mkdtempSync(join(tmpdir(), 'aitbc-chain-bench-'));
  const senders = Array.from({ length: 200 }, () => generateKeyPair());
  const main = makeChain(dir, 'chain', senders);
  const rpc = await buildRpc(main.node);
  const closing: ChainStore[] = [main.store];
  try {
    const to = addressFromPublicKey(generateKeyPair().publicKey);
    const txs: SignedTx[] = [];
    for (let nonce = 0; nonce < 30; nonce++) for (const sender of senders) txs.push(transfer(sender, to, nonce));
    // The same transfers through a second node one at a time (POST /rpc/txs), every signature
    // verified in line; `main` takes them 500 at a time as POST /rpc/txs/batch does (submitMany),
    // their signatures verified on worker threads first. The threads start once per process: a
    // batch of forgeries (each refused) starts them before the clock runs, as in a running node.
    const inline = makeChain(dir, 'inline', senders);
    closing.push(inline.store);
    await main.node.checkSignaturesAhead(txs.slice(0, 64).map((tx, i) => ({ ...tx, signature: txs[(i + 1) % 64]!.signature })));
    // Verifications are timed in turn with the transfers, batch by batch, so that all the figures
    // see the same machine (a shared one's speed drifts from one second to the next).
    let verifyMs = 0;
    let chainMs = 0;
    let inlineMs = 0;
    let blocks = 0;
    for (let i = 0; i < txs.length; i += 500) {
      const batch = txs.slice(i, i + 500);
      let started = performance.now();
      for (let k = 0; k < 500; k++) verify(signature, message, keys.publicKey);
      verifyMs += performance.now() - started;
      started = performance.now();
      for (const outcome of await main.node.submitMany(batch)) if (typeof outcome !== 'string') throw outcome;
      while (main.produce()) blocks++;
      chainMs += performance.now() - started;
      started = performance.now();
      for (const tx of batch) inline.node.submit(tx);
      while (inline.produce());
      inlineMs += performance.now() - started;
    }
    const verifyRate = txs.length / (verifyMs / 1000);
    const ratio = (ms: number) => Math.round((txs.length / (ms / 1000) / verifyRate) * 100);
    console.log(
      `chain   ${txs.length} signed transfers admitted 500 a request, in ${blocks} blocks, committed in ${chainMs.toFixed(0)} ms = ${perSecond(txs.length, chainMs)}/s ` +
        `(signatures on ${availableParallelism()} worker threads); Ed25519 verifications alone (one thread, timed in turn): ${perSecond(txs.length, verifyMs)}/s; ratio ${ratio(chainMs)} %; ` +
        `one at a time, each verified in line: ${perSecond(txs.length, inlineMs)}/s, ratio ${ratio(inlineMs)} %`,
    );

    // Many small blocks for the sync figure: 1,000 more blocks of 5 transfers each.
    const nonces = senders.map((sender) => main.node.balanceOf(addressFromPublicKey(sender.publicKey)).nonce);
    for (let made = 0; made < 1_000; made++) {
      for (let k = 0; k < 5; k++) {
        const index = (made * 5 + k) % senders.length;
        main.node.submit(transfer(senders[index]!, to, nonces[index]!++, '0'));
      }
      main.produce();
    }
    await rpc.listen({ port: 0, host: '127.0.0.1' });
    const followerStore = new ChainStore(join(dir, 'follower.db'));
    closing.push(followerStore);
    const follower = new ChainNode(followerStore, main.genesis, null);
    const gossip = new Gossip(follower, { peers: [], rpcUrl: 'http://127.0.0.1:0' });
    const height = main.node.head().header.height;
    const started = performance.now();
    await gossip.syncFrom(`http://127.0.0.1:${(rpc.server.address() as { port: number }).port}`);
    const syncMs = performance.now() - started;
    if (follower.head().hash !== main.node.head().hash) throw new Error(`sync stopped at ${follower.head().header.height} of ${height}`);
    console.log(`sync    ${height} blocks fetched over HTTP, re-validated and committed in ${syncMs.toFixed(0)} ms = ${perSecond(height, syncMs)} blocks/s`);

    // Block commit time against the number of accounts: blocks of 5 transfers from 20 senders, the
    // three chains in turn block by block (so a drift of the machine's speed hits all three); the
    // first 10 blocks of each warm the node's caches, the next 40 are timed.
    const blockSenders = senders.slice(0, 20);
    const chains = [200, 10_000, 100_000].map((accounts) => {
      const made = performance.now();
      const chain = accounts === 200 ? main : makeChain(dir, `accounts-${accounts}`, blockSenders, accounts - blockSenders.length);
      if (chain !== main) closing.push(chain.store);
      const nonces = blockSenders.map((sender) => chain.node.balanceOf(addressFromPublicKey(sender.publicKey)).nonce);
      return { accounts, chain, nonces, madeMs: performance.now() - made, times: [] as number[] };
    });
    for (let block = 0; block < 50; block++) {
      for (const { chain, nonces, times } of chains) {
        for (let k = 0; k < 5; k++) {
          const index = (block * 5 + k) % blockSenders.length;
          chain.node.submit(transfer(blockSenders[index]!, addressFromPublicKey(randomBytes(32)), nonces[index]!++));
        }
        const start = performance.now();
        if (!chain.produce()) throw new Error('no block');
        if (block >= 10) times.push(performance.now() - start);
      }
    }
    const commitTimes = chains.map(({ accounts, chain, madeMs, times }) => {
      times.sort((a, b) => a - b);
      return `${accounts.toLocaleString('en')} accounts ${times[times.length >> 1]!.toFixed(1)} ms` + (chain === main ? '' : ` (genesis made in ${(madeMs / 1000).toFixed(1)} s)`);
    });
    console.log(`chain   a block of 5 transfers produced and committed (median of 40, the chains in turn): ${commitTimes.join(', ')}`);

    // Admission per transaction with few and with 5,000 of its sender's pending, timed in turn
    // (50 from a fresh sender, then 50 from one with 5,000 queued, four times), so that both see
    // the same machine; 500 from another sender first, so both are measured warm.
    const fresh = Array.from({ length: 5 }, () => generateKeyPair());
    const loaded = generateKeyPair();
    const queue = makeChain(dir, 'admission', [...fresh, loaded]);
    closing.push(queue.store);
    const timeSubmits = (batch: SignedTx[]) => {
      const start = performance.now();
      for (const tx of batch) queue.node.submit(tx);
      return performance.now() - start;
    };
    timeSubmits(Array.from({ length: 500 }, (_, nonce) => transfer(fresh[4]!, to, nonce)));
    timeSubmits(Array.from({ length: 5_000 }, (_, nonce) => transfer(loaded, to, nonce)));
    let fewMs = 0;
    let manyMs = 0;
    for (let round = 0; round < 4; round++) {
      fewMs += timeSubmits(Array.from({ length: 50 }, (_, nonce) => transfer(fresh[round]!, to, nonce)));
      manyMs += timeSubmits(Array.from({ length: 50 }, (_, k) => transfer(loaded, to, 5_000 + round * 50 + k)));
    }
    console.log(`admit   one transaction (200 each, timed in turn): ${((fewMs / 200) * 1000).toFixed(0)} µs with 0–49 of its sender's pending, ${((manyMs / 200) * 1000).toFixed(0)} µs with 5,000–5,199 pending`);
  } finally {
    await rpc.close();
    for (const store of closing) store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

// Run alone: node --conditions=@aitbc/source --import tsx bench/chain.bench.ts
if (import.meta.url === `file://${process.argv[1]}`) {
  const { useNodeCrypto } = await import('@aitbc/protocol/node');
  useNodeCrypto();
  await benchChain();
}
