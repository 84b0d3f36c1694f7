// Three authorities as three `aitbc node` processes on loopback: they take turns, finalize blocks
// (all three votes: more than two thirds of 3), keep producing when one is killed (finality
// waits for it), and the killed node catches up on restart. A node fed a bad block over RPC —
// bad signature, wrong state root, replayed transaction — refuses it with the reason.

import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { addressFromPublicKey, base64urlEncode, generateKeyPair } from '@aitbc/protocol';
import { loadOrCreateKeyFile } from '@aitbc/protocol/node';
import { EMPTY_ROOT, blockHash, merkleRoot, proposerForSlot, signBlockHash, signTx, slotOf, txHash, type Block, type BlockHeader, type Genesis, type SignedTx } from '@aitbc/chain';
import { runAitbc, startAitbc, stopWith } from '@aitbc/testkit/processes';
import { freePort, until } from '@aitbc/testkit';

const root = mkdtempSync(join(tmpdir(), 'aitbc-authorities-'));
after(() => rmSync(root, { recursive: true, force: true }));

const INTERVAL = 300;
const alice = generateKeyPair();
const bob = addressFromPublicKey(generateKeyPair().publicKey);
const dirs = [0, 1, 2].map((index) => join(root, `node-${index}`));

interface Head {
  height: number;
  hash: string;
  finalized_height: number;
  finalized_hash: string;
}

const getJson = async (url: string) => (await fetch(url)).json();
const head = (port: number): Promise<Head> => getJson(`http://127.0.0.1:${port}/rpc/head`);
/** The heads of all nodes once `done` holds for them (a node still starting counts as not yet). */
const heads = (ports: number[], what: string, done: (heads: Head[]) => boolean) =>
  until(() => Promise.all(ports.map(head)).then((all) => (done(all) ? all : undefined), () => undefined), what);

test('three authorities produce and finalize, survive one being killed, and refuse bad blocks', async () => {
  const keys = dirs.map((dir) => {
    const made = runAitbc(['node', 'key', '--data-dir', dir]);
    assert.equal(made.status, 0, made.stderr);
    return made.stdout.trim();
  });
  const init = runAitbc(['node', 'init', '--data-dir', dirs[0]!, '--chain-id', 'aitbc-three', '--block-interval', String(INTERVAL), '--allocate', `${addressFromPublicKey(alice.publicKey)}=1000`, ...keys.flatMap((key) => ['--authority', key])]);
  assert.equal(init.status, 0, init.stderr);
  // Once seen missing here under a loaded machine with init's status 0: say what init printed.
  assert.ok(existsSync(join(dirs[0]!, 'genesis.json')), `init exited 0 without genesis.json; it printed: ${init.stdout}${init.stderr}`);
  for (const dir of dirs.slice(1)) copyFileSync(join(dirs[0]!, 'genesis.json'), join(dir, 'genesis.json'));
  const genesis = (await import(join(dirs[0]!, 'genesis.json'), { with: { type: 'json' } })).default as Genesis;

  const ports = await Promise.all(dirs.map(() => freePort()));
  const start = (index: number): Promise<ChildProcess> =>
    startAitbc(['node', '--data-dir', dirs[index]!, '--port', String(ports[index]), ...ports.filter((_, other) => other !== index).flatMap((port) => ['--peer', `ws://127.0.0.1:${port}/p2p`])], /RPC on/).then(
      (started) => started.child,
    );
  const nodes = await Promise.all(dirs.map((_, index) => start(index)));
  let nonce = 0;
  const pay = async (port: number) => {
    const tx = signTx({ type: 'transfer', chain_id: 'aitbc-three', to: bob, amount: '1', fee: '0', nonce: nonce++ } as never, alice.secretKey);
    const response = await fetch(`http://127.0.0.1:${port}/rpc/txs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(tx) });
    assert.equal(response.status, 202, await response.text());
  };
  const settle = (port: number, height: number) => heads([port], `height ${height} on :${port}`, ([h]) => h!.height >= height).then(([h]) => h!);

  try {
    // All up: blocks from more than one authority, the same chain everywhere, and all of it final.
    for (let i = 0; i < 4; i++) {
      await pay(ports[i % 3]!);
      await settle(ports[0]!, i + 1);
    }
    const final = await heads(ports, 'finality everywhere', (all) => all.every((h) => h.finalized_height >= 4 && h.finalized_hash === all[0]!.finalized_hash));
    const proposers = new Set<string>();
    for (let height = 1; height <= 4; height++) proposers.add((await getJson(`http://127.0.0.1:${ports[1]}/rpc/blocks/${height}`)).header.proposer);
    assert.ok(proposers.size >= 2, 'authorities take turns');
    assert.equal(final[2]!.finalized_hash, final[0]!.finalized_hash);

    // Kill one: the other two keep producing in their slots; nothing new becomes final without it.
    assert.equal(await stopWith(nodes[2]!, 'SIGKILL'), null);
    await pay(ports[0]!);
    const afterKill = await settle(ports[0]!, 5);
    for (let i = 0; i < 3; i++) {
      await pay(ports[1]!);
      await settle(ports[0]!, afterKill.height + i + 1);
    }
    const without = await head(ports[0]!);
    assert.ok(without.height >= afterKill.height + 3, 'the chain keeps going with two of three');
    assert.equal(without.finalized_height, afterKill.finalized_height, 'finality waits for the third vote');
    assert.ok((await getJson(`http://127.0.0.1:${ports[0]}/rpc/blocks/${without.height}`)).header.proposer !== keys[2]);

    // Restart it: it syncs the blocks it missed, votes, and finality catches up to the head.
    nodes[2] = await start(2);
    const caughtUp = await heads(ports, 'the restarted node to catch up and finality to resume', (all) =>
      all.every((h) => h.hash === all[0]!.hash && h.finalized_height === h.height && h.height >= without.height),
    );
    assert.equal((await getJson(`http://127.0.0.1:${ports[2]}/rpc/accounts/${bob}`)).balance, String(nonce));

    // Bad blocks handed to a node are refused with the reason, and its head does not move.
    const parent = (await getJson(`http://127.0.0.1:${ports[1]}/rpc/blocks/${caughtUp[0]!.height}`)) as Block & { header: BlockHeader };
    const authorityKeys = dirs.map((dir) => loadOrCreateKeyFile(join(dir, 'authority-key.json')));
    const nextSlot = slotOf(Math.max(Date.now(), parent.header.timestamp), genesis) + 1;
    const timestamp = nextSlot * genesis.block_interval_ms;
    const proposer = authorityKeys[genesis.authorities.indexOf(proposerForSlot(nextSlot, genesis))]!;
    const seal = (header: BlockHeader, txs: SignedTx[], key = proposer): Block => {
      const hash = blockHash(header);
      return { header, hash, signature: signBlockHash(hash, key.secretKey), txs };
    };
    const fresh = signTx({ type: 'transfer', chain_id: 'aitbc-three', to: bob, amount: '1', fee: '0', nonce } as never, alice.secretKey);
    const base: BlockHeader = { height: parent.header.height + 1, parent_hash: parent.hash, timestamp, proposer: base64urlEncode(proposer.publicKey), tx_root: merkleRoot([txHash(fresh.body)]), receipt_root: EMPTY_ROOT, state_root: parent.header.state_root };
    const earlier = (await getJson(`http://127.0.0.1:${ports[1]}/rpc/blocks/1`)).transactions[0] as SignedTx & { hash: string };
    const replay = { body: earlier.body, signature: earlier.signature };
    const other = authorityKeys.find((key) => key !== proposer)!;
    const cases: [Block, string, RegExp][] = [
      [{ ...seal(base, [fresh]), signature: seal(base, [fresh], other).signature }, 'CHAIN_BLOCK_INVALID_SIGNATURE', /proposer signature does not verify/],
      [seal(base, [fresh]), 'CHAIN_BLOCK_ROOT_MISMATCH', /state_root does not match/],
      [seal({ ...base, tx_root: merkleRoot([txHash(replay.body)]) }, [replay]), 'CHAIN_BLOCK_INVALID_TX', /already included in an earlier block \(replay\)/],
    ];
    for (const [block, code, reason] of cases) {
      const response = await fetch(`http://127.0.0.1:${ports[1]}/rpc/blocks`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(block) });
      const answer = await response.json();
      assert.equal(response.status, 422, JSON.stringify(answer));
      assert.deepEqual([answer.error_code, answer.context.height], [code, base.height], JSON.stringify(answer));
      assert.match(answer.detail, reason);
    }
    assert.equal((await head(ports[1]!)).hash, caughtUp[1]!.hash, 'no bad block moved the head');
  } finally {
    await Promise.all(nodes.map((node) => stopWith(node)));
  }
});
