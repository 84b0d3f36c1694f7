// The state tree: kept incrementally per block, it always equals the tree built from scratch over
// the whole state (also after removals and reverts); its proofs verify for presence and absence
// and fail when anything in them is changed; a store made under the old root definition is refused.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  EMPTY_TREE_HASH,
  addressFromPublicKey,
  base64urlEncode,
  encodeStateLeaf,
  generateKeyPair,
  randomHex,
  stateKey,
  stateRootOf,
  verifyStateProof,
  type KeyPair,
  type StateLeafValue,
  type StateProof,
} from '@aitbc/protocol';
import type { Genesis } from '../src/genesis.ts';
import { ChainNode } from '../src/node.ts';
import { accountLeaf } from '../src/state.ts';
import { EMPTY_NODE, nodeHash, proveKey, updateStateTree, type LeafUpdate, type TreeNode } from '../src/state-tree.ts';
import { ChainStore } from '../src/store/chain-store.ts';
import { signTx } from '../src/tx.ts';
import { closedAfterTest } from './stores.ts';

const account = (address: string, balance: bigint, nonce = 0): StateLeafValue => ({ kind: 'account', address, balance: balance.toString(), nonce });

/** A versioned node map standing in for the store: each round's writes over the previous ones. */
class MemoryTree {
  private nodes = new Map<string, TreeNode>();
  root = EMPTY_TREE_HASH;
  apply(updates: Map<string, LeafUpdate>): void {
    const { root, writes } = updateStateTree((path) => this.nodes.get(path) ?? null, updates);
    for (const [path, node] of writes) this.nodes.set(path, node);
    this.root = root;
  }
  prove(key: string): StateProof {
    return proveKey((path) => this.nodes.get(path) ?? null, key).proof;
  }
}

test('the incremental root equals the from-scratch root through inserts, changes and removals', () => {
  const tree = new MemoryTree();
  const state = new Map<string, { key: string; value_hash: string }>();
  // A small fixed pool of addresses, so rounds hit existing leaves, removed ones and new ones.
  const addresses = Array.from({ length: 60 }, (_, i) => `addr-${i}`);
  let seed = 7;
  const random = (n: number) => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31), seed % n);
  for (let round = 0; round < 40; round++) {
    const updates = new Map<string, LeafUpdate>();
    for (let i = 0; i < 1 + random(12); i++) {
      const address = addresses[random(addresses.length)]!;
      const key = stateKey('account', address);
      if (random(3) === 0) {
        updates.set(key, null);
        state.delete(key);
      } else {
        const leaf = encodeStateLeaf(account(address, BigInt(1 + random(1000)), random(5)));
        updates.set(key, leaf);
        state.set(key, { key, value_hash: leaf.value_hash });
      }
    }
    tree.apply(updates);
    assert.equal(tree.root, stateRootOf([...state.values()]), `round ${round}`);
  }
  for (const key of state.keys()) tree.apply(new Map([[key, null]]));
  assert.equal(tree.root, EMPTY_TREE_HASH, 'removing every leaf leaves the empty tree');
});

test('proofs verify presence and absence, and fail when the value, a sibling, the key or the root is changed', () => {
  const tree = new MemoryTree();
  const leaves = Array.from({ length: 50 }, (_, i) => encodeStateLeaf(account(`holder-${i}`, BigInt(i + 1))));
  tree.apply(new Map(leaves.map((leaf) => [leaf.key, leaf])));
  const present = leaves[17]!;
  const proof = tree.prove(present.key);
  assert.ok(proof.siblings.length > 0);
  assert.ok(verifyStateProof(tree.root, present.key, present.value_hash, proof));
  assert.ok(!verifyStateProof(tree.root, present.key, encodeStateLeaf(account('holder-17', 999n)).value_hash, proof), 'another balance');
  assert.ok(!verifyStateProof(tree.root, present.key, null, proof), 'a present key is not absent');
  const tampered = structuredClone(proof);
  tampered.siblings[0] = tampered.siblings[0]!.replace(/^./, (c) => (c === '0' ? '1' : '0'));
  assert.ok(!verifyStateProof(tree.root, present.key, present.value_hash, tampered), 'a changed sibling');
  assert.ok(!verifyStateProof(tree.root, present.key, present.value_hash, { ...proof, siblings: proof.siblings.slice(1) }), 'a shorter path');
  assert.ok(!verifyStateProof(EMPTY_TREE_HASH, present.key, present.value_hash, proof), 'another root');
  assert.ok(!verifyStateProof(tree.root, leaves[3]!.key, present.value_hash, { ...proof, key: leaves[3]!.key }), 'another key');

  // Absence: many keys end in an empty subtree, others in a neighbour's leaf; both kinds occur.
  const kinds = new Set<string>();
  for (let i = 0; i < 40; i++) {
    const missing = stateKey('account', `nobody-${i}`);
    const absent = tree.prove(missing);
    kinds.add(absent.leaf === null ? 'empty' : 'neighbour');
    assert.ok(verifyStateProof(tree.root, missing, null, absent), `absence of nobody-${i}`);
    assert.ok(!verifyStateProof(tree.root, missing, present.value_hash, absent), 'an absent key holds no value');
    if (absent.leaf) {
      // The neighbour's leaf proves absence only on this key's path.
      const elsewhere = leaves.find((leaf) => leaf.key !== absent.leaf!.key)!;
      assert.ok(!verifyStateProof(tree.root, missing, null, { ...absent, leaf: { key: elsewhere.key, value_hash: elsewhere.value_hash } }));
    }
  }
  assert.deepEqual([...kinds].sort(), ['empty', 'neighbour']);
});

const authority = generateKeyPair();
const holders = Array.from({ length: 30 }, () => generateKeyPair());
const address = (pair: KeyPair) => addressFromPublicKey(pair.publicKey);
const genesis: Genesis = {
  chain_id: 'aitbc-test',
  genesis_time: 1_764_000_000_000,
  block_interval_ms: 100,
  authorities: [base64urlEncode(authority.publicKey)],
  coordinators: [],
  allocations: holders.map((holder) => ({ address: address(holder), amount: '100' })),
};

/** The root over every stored account, bond and unbonding, from scratch. */
function rootFromScratch(store: ChainStore): string {
  const leaves: StateLeafValue[] = [];
  for (const [address, value] of store.allAccounts()) {
    const leaf = accountLeaf(address, value);
    if (leaf) leaves.push(leaf);
  }
  for (const bond of store.allBonds()) leaves.push({ kind: 'miner_bond', miner_key: bond.miner_key, address: bond.address, amount: bond.amount.toString() });
  for (const entry of store.allUnbondings()) leaves.push({ kind: 'unbonding', id: entry.id, miner_key: entry.miner_key, address: entry.address, amount: entry.amount.toString(), release_height: entry.release_height });
  return stateRootOf(leaves.map((leaf) => encodeStateLeaf(leaf)));
}

test('after N blocks the head state root equals the root recomputed from the stored state; reverting blocks restores the tree', () => {
  let clock = genesis.genesis_time;
  const chain = new ChainNode(closedAfterTest(), genesis, authority, () => clock);
  assert.equal(chain.head().header.state_root, rootFromScratch(chain.store), 'genesis');
  const nonces = holders.map(() => 0);
  for (let block = 0; block < 12; block++) {
    for (let k = 0; k < 4; k++) {
      const from = (block * 7 + k * 3) % holders.length;
      const to = block % 3 === 0 ? address(generateKeyPair()) : address(holders[(from + 1) % holders.length]!);
      chain.submit(signTx({ type: 'transfer', chain_id: 'aitbc-test', to, amount: '1', fee: '0.01', nonce: nonces[from]!++ } as never, holders[from]!.secretKey));
    }
    clock += genesis.block_interval_ms;
    assert.ok(chain.produce());
    assert.equal(chain.head().header.state_root, rootFromScratch(chain.store), `block ${block + 1}`);
  }
  const rootAt = (height: number) => chain.store.blockAt(height)!.header.state_root;
  const expected = rootAt(8);
  // (The store's undo records of final blocks are gone, so only its tree is compared here.)
  for (let i = 0; i < 4; i++) chain.store.revertHead();
  assert.equal(nodeHash(chain.store.stateNode('') ?? EMPTY_NODE), expected, "reverting drops the reverted blocks' nodes");
  const key = stateKey('account', address(holders[0]!));
  const { proof, leaf } = proveKey((path) => chain.store.stateNode(path), key);
  assert.ok(verifyStateProof(expected, key, leaf!.value_hash, proof));
});

test('proofs at older heights verify against those blocks, from the nodes stored for them', () => {
  let clock = genesis.genesis_time;
  const chain = new ChainNode(closedAfterTest(), genesis, authority, () => clock);
  const alice = holders[0]!;
  for (let nonce = 0; nonce < 3; nonce++) {
    chain.submit(signTx({ type: 'transfer', chain_id: 'aitbc-test', to: address(generateKeyPair()), amount: '10', fee: '0', nonce } as never, alice.secretKey));
    clock += genesis.block_interval_ms;
    chain.produce();
  }
  const key = stateKey('account', address(alice));
  for (let height = 0; height <= 3; height++) {
    const { proof, leaf } = proveKey((path) => chain.store.stateNode(path, height), key);
    assert.deepEqual(JSON.parse(leaf!.value), { kind: 'account', address: address(alice), balance: String(100_000_000n - BigInt(height) * 10_000_000n), nonce: height });
    assert.ok(verifyStateProof(chain.store.blockAt(height)!.header.state_root, key, leaf!.value_hash, proof), `height ${height}`);
  }
});

test('a chain database made under the old state-root definition is refused with what to do', () => {
  const dir = mkdtempSync(join(tmpdir(), 'aitbc-old-store-'));
  try {
    const path = join(dir, 'chain.db');
    const store = new ChainStore(path);
    new ChainNode(store, genesis, authority);
    // What an older version leaves: blocks, but no state-tree version in meta.
    store.db.prepare("DELETE FROM meta WHERE name = 'state_tree'").run();
    store.close();
    const reopened = new ChainStore(path);
    try {
      assert.throws(() => new ChainNode(reopened, genesis, authority), /older AITBC version.*fresh --data-dir/);
    } finally {
      reopened.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('random keys: a tree of 500 leaves is shallow, and every proof is short', () => {
  const tree = new MemoryTree();
  const leaves = Array.from({ length: 500 }, () => encodeStateLeaf(account(randomHex(16), 1n)));
  tree.apply(new Map(leaves.map((leaf) => [leaf.key, leaf])));
  const depths = leaves.map((leaf) => tree.prove(leaf.key).siblings.length);
  assert.ok(Math.max(...depths) < 40, `deepest ${Math.max(...depths)}`);
});
