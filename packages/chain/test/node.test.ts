// The chain node's core: genesis, admission with clear reasons, block production, and full
// re-validation of every imported block (a follower replays the authority's blocks and must reach
// the same state; tampered blocks are refused).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addressFromPublicKey, base64urlEncode, generateKeyPair, type KeyPair } from '@aitbc/protocol';
import { blockHash, signBlockHash, type Block } from '../src/block.ts';
import type { Genesis } from '../src/genesis.ts';
import { BlockRejectedError, TxRejectedError } from '../src/errors.ts';
import { ChainNode } from '../src/node.ts';
import { ChainStore } from '../src/store/chain-store.ts';
import { closedAfterTest } from './stores.ts';
import { merkleRoot } from '../src/merkle.ts';
import { signTx, txHash } from '../src/tx.ts';


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

/** Asserts `run` throws TxRejectedError with this code, context and field, and a detail matching `reason`. */
function refusedWith(run: () => unknown, code: string, context: object, field: string | undefined, reason: RegExp): void {
  assert.throws(run, (error: unknown) => {
    assert.ok(error instanceof TxRejectedError, String(error));
    assert.deepEqual([error.code, error.context, error.field], [code, context, field], error.message);
    assert.match(error.message, reason);
    return true;
  });
}

test('admission refuses bad transactions with a code, its context and a reason, and they never enter a block', () => {
  const chain = node();
  const cases: [unknown, string, object, string | undefined, RegExp][] = [
    [{ ...transfer(alice, bob, '1', 0), signature: transfer(bob, alice, '1', 0).signature }, 'CHAIN_TX_INVALID_SIGNATURE', {}, 'signature', /signature does not verify/],
    [transfer(alice, bob, '1', 0, { chain_id: 'other-chain' }), 'CHAIN_TX_WRONG_CHAIN', { chain_id: 'aitbc-test' }, 'body.chain_id', /not this chain/],
    [transfer(alice, bob, '1', 5), 'CHAIN_TX_INVALID_NONCE', { expected_nonce: 0 }, 'body.nonce', /nonce 5 is not the sender's next nonce 0/],
    [transfer(alice, bob, '500', 0), 'CHAIN_TX_INSUFFICIENT_BALANCE', { balance: '100', needed: '500.01' }, undefined, /does not cover amount \+ fee 500\.01/],
    [transfer(alice, bob, '0', 0), 'CHAIN_TX_INVALID_FORMAT', {}, 'body.amount', /amount must be more than 0/],
    [{ body: { type: 'mint' }, signature: 'x' }, 'CHAIN_TX_INVALID_FORMAT', {}, 'body.type', /body\.type/],
  ];
  for (const [tx, code, context, field, reason] of cases) refusedWith(() => chain.submit(tx), code, context, field, reason);
  const ok = transfer(alice, bob, '1', 0);
  const hash = chain.submit(ok);
  refusedWith(() => chain.submit(ok), 'CHAIN_TX_ALREADY_KNOWN', { tx_hash: hash }, undefined, /already known/);
  assert.equal(chain.submit(transfer(alice, bob, '1', 1)).length, 64, 'queued transactions of a sender count for the next nonce');
  refusedWith(() => chain.submit(transfer(alice, bob, '1', 1, { memo: 'another' })), 'CHAIN_TX_INVALID_NONCE', { expected_nonce: 2 }, 'body.nonce', /next nonce 2/);
  produceNext(chain);
  refusedWith(() => chain.submit(ok), 'CHAIN_TX_ALREADY_KNOWN', { tx_hash: hash }, undefined, /already known/);
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

test('tampered blocks are refused with the code, context and field: signature, state root, replayed transaction, proposer, height, a transaction that cannot run', () => {
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
  const refused = (block: Block, code: string, context: object, field: string | undefined, reason: RegExp) =>
    assert.throws(() => follower.import(block), (error: unknown) => {
      assert.ok(error instanceof BlockRejectedError, String(error));
      assert.deepEqual([error.code, error.context, error.field], [code, context, field], error.message);
      assert.match(error.message, reason);
      return true;
    });

  refused({ ...second, signature: first.signature }, 'CHAIN_BLOCK_INVALID_SIGNATURE', { height: 2 }, 'signature', /^block 2: the proposer signature does not verify/);
  refused(resign({ ...second, header: { ...second.header, state_root: first.header.state_root } }), 'CHAIN_BLOCK_ROOT_MISMATCH', { height: 2, expected_root: second.header.state_root }, 'header.state_root', /state_root does not match/);
  const replayed = txHash(first.txs[0]!.body);
  refused(resign({ ...second, txs: first.txs, header: { ...second.header, tx_root: first.header.tx_root } }), 'CHAIN_BLOCK_INVALID_TX', { height: 2, position: 0, tx_code: 'CHAIN_TX_ALREADY_KNOWN', tx_context: { tx_hash: replayed } }, undefined, /already included in an earlier block \(replay\)/);
  const impostor = generateKeyPair();
  refused(resign({ ...second, header: { ...second.header, proposer: base64urlEncode(impostor.publicKey) } }, impostor), 'CHAIN_BLOCK_WRONG_PROPOSER', { height: 2, expected_proposer: genesis.authorities[0] }, 'header.proposer', /not the authority scheduled/);
  refused({ ...second, header: { ...second.header, height: 5 } }, 'CHAIN_BLOCK_INVALID_HEIGHT', { height: 5, expected_height: 2 }, 'header.height', /does not follow/);
  const skipsANonce = transfer(alice, bob, '3', 7);
  refused(
    resign({ ...second, txs: [skipsANonce], header: { ...second.header, tx_root: merkleRoot([txHash(skipsANonce.body)]) } }),
    'CHAIN_BLOCK_INVALID_TX',
    { height: 2, position: 0, tx_code: 'CHAIN_TX_INVALID_NONCE', tx_context: { expected_nonce: 1 } },
    'txs.0.body.nonce',
    /transaction 0 cannot run: nonce 7 is not the sender's next nonce 1/,
  );
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
