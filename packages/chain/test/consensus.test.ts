// Three authorities in one process (network.ts), a message queue that a test can partition: blocks
// in each authority's slot, finality once all three (more than two thirds) voted, a missing
// proposer's slot skipped, catch-up by height ranges, a fork resolved to the longer branch, and
// a final block never reverted.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addressFromPublicKey, base64urlEncode, generateKeyPair, type KeyPair } from '@aitbc/protocol';
import { blockHash, signBlockHash, type Block } from '../src/block.ts';
import { finalityThreshold, signVote } from '../src/consensus.ts';
import type { Genesis } from '../src/genesis.ts';
import { BlockRejectedError } from '../src/errors.ts';
import { ChainNode } from '../src/node.ts';
import { AuthorityNetwork } from './network.ts';
import { closedAfterTest } from './stores.ts';
import { signTx } from '../src/tx.ts';

const keys = [generateKeyPair(), generateKeyPair(), generateKeyPair()];
const alice = generateKeyPair();
const bob = generateKeyPair();
const address = (pair: KeyPair) => addressFromPublicKey(pair.publicKey);
const INTERVAL = 100;
const genesis: Genesis = {
  chain_id: 'aitbc-bft',
  genesis_time: 1_764_000_000_000,
  block_interval_ms: INTERVAL,
  authorities: keys.map((pair) => base64urlEncode(pair.publicKey)),
  coordinators: [],
  allocations: [{ address: address(alice), amount: '1000' }],
};

class Network extends AuthorityNetwork {
  constructor() {
    super(genesis, keys);
  }

  pay(via: number, nonce: number): void {
    this.nodes[via]!.submit(signTx({ type: 'transfer', chain_id: genesis.chain_id, to: address(bob), amount: '1', fee: '0', nonce } as never, alice.secretKey));
    this.flush();
  }
}


const heads = (network: Network, which = [0, 1, 2]) => which.map((index) => network.nodes[index]!.head().hash);

test('more than two thirds of 3 is all 3; of 4, 3', () => {
  assert.deepEqual([1, 2, 3, 4, 7].map(finalityThreshold), [1, 2, 3, 3, 5]);
});

test('authorities take turns by slot and a block is final once all three voted for it', () => {
  const network = new Network();
  const proposers = new Set<number>();
  for (let nonce = 0; nonce < 6; nonce++) {
    network.pay(nonce % 3, nonce);
    proposers.add(network.slot());
  }
  assert.deepEqual([...proposers].sort(), [0, 1, 2], 'each authority proposed in its own slots');
  const [first] = heads(network);
  assert.deepEqual(heads(network), [first, first, first]);
  for (const node of network.nodes) {
    assert.equal(node.head().header.height, 6);
    assert.deepEqual(node.finalized(), { height: 6, hash: first });
    assert.equal(node.balanceOf(address(bob)).balance, '6');
  }
});

test('with one authority down its slots are skipped, finality waits, and it catches up and votes on return', () => {
  const network = new Network();
  network.pay(0, 0);
  network.slot();
  while (network.nodes[0]!.head().header.height < 1) network.slot();
  const finalBefore = network.nodes[0]!.finalized().height;
  assert.equal(finalBefore, 1);

  network.cut.add(2);
  for (let nonce = 1; nonce <= 4; nonce++) {
    network.pay(0, nonce);
    while (network.nodes[0]!.pending().length > 0) network.slot(); // C's slots pass without a block
  }
  const up = network.nodes[0]!;
  assert.equal(up.head().header.height, 5, 'the chain kept going on the two authorities left');
  assert.ok(up.head().header.proposer !== genesis.authorities[2]);
  assert.equal(up.finalized().height, finalBefore, 'nothing new is final without the third vote');
  assert.equal(network.nodes[2]!.head().header.height, 1);

  network.cut.delete(2);
  network.sync(2, 0);
  network.flush();
  network.slot(); // votes travel
  assert.deepEqual(heads(network), heads(network, [0, 0, 0]));
  for (const node of network.nodes) assert.equal(node.finalized().height, 5, 'the returned authority voted and finality resumed');
});

test('a fork resolves to the longer branch, state follows it, and final blocks stay', () => {
  const network = new Network();
  network.pay(0, 0);
  while (network.nodes[0]!.finalized().height < 1) network.slot();
  const final = network.nodes[0]!.finalized();

  // C is cut off and pays bob on its own branch; A and B build a longer one.
  network.cut.add(2);
  const lonely = network.nodes[2]!;
  lonely.submit(signTx({ type: 'transfer', chain_id: genesis.chain_id, to: address(bob), amount: '7', fee: '0', nonce: 1 } as never, alice.secretKey));
  while (lonely.head().header.height < 2) {
    network.clock += INTERVAL;
    lonely.produce();
  }
  const lonelyBlock = lonely.head();
  network.nodes[0]!.submit(signTx({ type: 'transfer', chain_id: genesis.chain_id, to: address(bob), amount: '2', fee: '0', nonce: 1 } as never, alice.secretKey));
  network.flush();
  while (network.nodes[0]!.head().header.height < 3) {
    network.pay(0, network.nodes[0]!.balanceOf(address(alice)).nonce + network.nodes[0]!.pending().length);
    network.slot();
  }

  // C hears of the longer branch, switches, and its own payment goes back to its mempool (now invalid: nonce spent).
  network.cut.delete(2);
  network.sync(2, 0);
  network.flush();
  assert.deepEqual(heads(network, [2]), heads(network, [0]));
  assert.equal(lonely.store.heightOf(lonelyBlock.hash), null, 'the shorter branch was reverted');
  assert.equal(lonely.balanceOf(address(bob)).balance, network.nodes[0]!.balanceOf(address(bob)).balance, 'state follows the branch');
  assert.equal(lonely.store.hashAt(final.height), final.hash, 'the final block is still there');

  // A block that would branch off below the final height is refused outright.
  const forgedHeader = { ...lonelyBlock.header, height: final.height };
  assert.throws(() => lonely.receive({ ...lonelyBlock, header: forgedHeader, hash: blockHash(forgedHeader) }), (error: unknown) => error instanceof BlockRejectedError && /conflicts with final block/.test(error.message));
  // And votes keep working after the reorg: everything becomes final again.
  network.pay(0, network.nodes[0]!.balanceOf(address(alice)).nonce);
  while (network.nodes[0]!.pending().length > 0 || network.nodes[2]!.finalized().height < network.nodes[0]!.head().header.height) network.slot();
  for (const node of network.nodes) assert.equal(node.finalized().hash, network.nodes[0]!.head().hash);
});

test('forged and outside votes do not count', () => {
  const network = new Network();
  const node = network.nodes[0]!;
  network.pay(0, 0);
  while (node.head().header.height < 1) {
    network.clock += INTERVAL;
    for (const each of network.nodes) each.produce();
  }
  const head = node.head();
  const outsider = generateKeyPair();
  assert.equal(node.addVote(signVote(genesis.chain_id, 1, head.hash, base64urlEncode(outsider.publicKey), outsider.secretKey)), false, 'not an authority');
  const real = signVote(genesis.chain_id, 1, head.hash, genesis.authorities[1]!, keys[1]!.secretKey);
  assert.equal(node.addVote({ ...real, signature: signVote(genesis.chain_id, 1, head.hash, genesis.authorities[1]!, keys[2]!.secretKey).signature }), false, 'signed by another key');
  assert.equal(node.addVote(signVote('other-chain', 1, head.hash, genesis.authorities[1]!, keys[1]!.secretKey)), false, 'for another chain');
  assert.equal(node.addVote(real), true);
  assert.equal(node.addVote(real), false, 'not newer than the last one');
});

test('a block from the wrong slot or with a bad seal is refused wherever it comes from', () => {
  const network = new Network();
  network.pay(0, 0);
  let made: Block | undefined;
  network.nodes[0]!.once('block', (block: Block) => (made = block));
  while (!made) network.slot();
  const block = made;
  const follower = new ChainNode(closedAfterTest(), genesis, null, () => network.clock);
  const wrongKey = keys[(genesis.authorities.indexOf(block.header.proposer) + 1) % 3]!;
  const header = { ...block.header, proposer: base64urlEncode(wrongKey.publicKey) };
  const hash = blockHash(header);
  assert.throws(() => follower.receive({ ...block, header, hash, signature: signBlockHash(hash, wrongKey.secretKey) }), /not the authority scheduled/);
  assert.throws(() => follower.receive({ ...block, signature: signBlockHash(block.hash, wrongKey.secretKey) }), /signature does not verify/);
  assert.equal(follower.receive(block), 'imported');
});
