// The chain node's core: genesis, admission with clear reasons, block production, and full
// re-validation of every imported block (a follower replays the authority's blocks and must reach
// the same state; tampered blocks are refused).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addressFromPublicKey, base64urlEncode, generateKeyPair, type KeyPair } from '@aitbc/protocol';
import { blockHash, signBlockHash, type Block } from '../src/block.ts';
import type { Genesis } from '../src/genesis.ts';
import { BlockRejectedError, ChainNode, TxRejectedError } from '../src/node.ts';
import { ChainStore } from '../src/store/chain-store.ts';
import { closedAfterTest } from './stores.ts';
import { signTx } from '../src/tx.ts';


const authority = generateKeyPair();
const alice = generateKeyPair();
const bob = generateKeyPair();
const address = (pair: KeyPair) => addressFromPublicKey(pair.publicKey);
const genesis: Genesis = {
  chain_id: 'aitbc-test',
  genesis_time: 1_764_000_000_000,
  block_interval_ms: 100,
  authorities: [base64urlEncode(authority.publicKey)],
  coordinators: [],
  allocations: [{ address: address(alice), amount: '100' }],
};

// One clock for every node of a test; each block is made one slot later.
let clock = genesis.genesis_time;
const produceNext = (chain: ChainNode) => {
  clock += genesis.block_interval_ms;
  return chain.produce();
};

function node(key: KeyPair | null = authority, store = closedAfterTest()): ChainNode {
  return new ChainNode(store, genesis, key, () => clock);
}

const transfer = (from: KeyPair, to: KeyPair, amount: string, nonce: number, extra: Record<string, unknown> = {}) =>
  signTx({ type: 'transfer', chain_id: 'aitbc-test', to: address(to), amount, fee: '0.01', nonce, ...extra } as never, from.secretKey);

test('genesis allocates, and a transfer moves amount, fee and nonce', () => {
  const chain = node();
  assert.deepEqual(chain.balanceOf(address(alice)), { balance: '100', nonce: 0 });
  assert.equal(chain.head().header.height, 0);
  const hash = chain.submit(transfer(alice, bob, '25', 0));
  const block = produceNext(chain)!;
  assert.equal(block.header.height, 1);
  assert.deepEqual(chain.balanceOf(address(alice)), { balance: '74.99', nonce: 1 });
  assert.deepEqual(chain.balanceOf(address(bob)), { balance: '25', nonce: 0 });
  assert.deepEqual(chain.balanceOf(address(authority)), { balance: '0.01', nonce: 0 }, 'the fee goes to the proposer');
  assert.equal(chain.store.tx(hash)?.blockHeight, 1);
  assert.equal(produceNext(chain), null, 'no block without work');
});

test('admission refuses bad transactions with a reason, and they never enter a block', () => {
  const chain = node();
  const cases: [unknown, RegExp][] = [
    [{ ...transfer(alice, bob, '1', 0), signature: transfer(bob, alice, '1', 0).signature }, /signature does not verify/],
    [transfer(alice, bob, '1', 0, { chain_id: 'other-chain' }), /not this chain/],
    [transfer(alice, bob, '1', 5), /nonce 5 is not the sender's next nonce 0/],
    [transfer(alice, bob, '500', 0), /does not cover amount \+ fee 500\.01/],
    [transfer(alice, bob, '0', 0), /amount must be more than 0/],
    [{ body: { type: 'mint' }, signature: 'x' }, /body\.type/],
  ];
  for (const [tx, reason] of cases) assert.throws(() => chain.submit(tx), (error: unknown) => error instanceof TxRejectedError && reason.test(error.message), String(reason));
  const ok = transfer(alice, bob, '1', 0);
  chain.submit(ok);
  assert.throws(() => chain.submit(ok), /already known/);
  assert.equal(chain.submit(transfer(alice, bob, '1', 1)).length, 64, 'queued transactions of a sender count for the next nonce');
  produceNext(chain);
  assert.throws(() => chain.submit(ok), /already known/, 'a replay of an included transaction is refused');
  assert.equal(chain.head().txs.length, 2);
});

test('a follower re-validates and applies the authority blocks to the same state', () => {
  const leader = node();
  const follower = node(null);
  for (let nonce = 0; nonce < 3; nonce++) {
    leader.submit(transfer(alice, bob, '2', nonce));
    follower.import(produceNext(leader)!);
  }
  assert.equal(follower.head().hash, leader.head().hash);
  assert.equal(follower.head().header.state_root, leader.head().header.state_root);
  assert.deepEqual(follower.balanceOf(address(bob)), { balance: '6', nonce: 0 });
});

test('tampered blocks are refused: signature, state root, replayed transaction, proposer', () => {
  const leader = node();
  const follower = node(null);
  leader.submit(transfer(alice, bob, '2', 0));
  const first = produceNext(leader)!;
  follower.import(first);
  leader.submit(transfer(alice, bob, '3', 1));
  const second = produceNext(leader)!;

  const resign = (block: Block, key = authority): Block => {
    const hash = blockHash(block.header);
    return { ...block, hash, signature: signBlockHash(hash, key.secretKey) };
  };
  const refused = (block: Block, reason: RegExp) => assert.throws(() => follower.import(block), (error: unknown) => error instanceof BlockRejectedError && reason.test(error.message), String(reason));

  refused({ ...second, signature: first.signature }, /proposer signature does not verify/);
  refused(resign({ ...second, header: { ...second.header, state_root: first.header.state_root } }), /state_root does not match/);
  refused(resign({ ...second, txs: first.txs, header: { ...second.header, tx_root: first.header.tx_root } }), /already included in an earlier block \(replay\)/);
  const impostor = generateKeyPair();
  refused(resign({ ...second, header: { ...second.header, proposer: base64urlEncode(impostor.publicKey) } }, impostor), /not the authority scheduled/);
  refused({ ...second, header: { ...second.header, height: 5 } }, /does not follow/);
  follower.import(second);
  assert.equal(follower.head().hash, leader.head().hash, 'the genuine block still imports');
});

test('a node keeps its chain across restarts and refuses a database of another genesis', () => {
  const path = `/tmp/aitbc-chain-${process.pid}-${Date.now()}.db`;
  let store = new ChainStore(path);
  let chain = new ChainNode(store, genesis, authority);
  chain.submit(transfer(alice, bob, '1', 0));
  produceNext(chain);
  const head = chain.head().hash;
  store.close();
  store = closedAfterTest(new ChainStore(path));
  chain = new ChainNode(store, genesis, authority);
  assert.equal(chain.head().hash, head);
  assert.throws(() => new ChainNode(store, { ...genesis, chain_id: 'other' }, authority), /belongs to another genesis/);
});
