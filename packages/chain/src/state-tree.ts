// The state tree (@aitbc/protocol's state-tree.ts, docs/STATE-TREE.md) kept incrementally: a
// block rehashes only the paths of the leaves it changes, reading the other nodes on those paths
// from the store, and hands back the nodes to write with the block. Each stored node is the one
// at a path (a string of '0'/'1', '' for the root) as of a block height; an emptied path is stored
// as 'empty', so a branch's children always read as they are at that height.

import { EMPTY_TREE_HASH, keyBit, stateBranchHash, stateLeafHash, type StateProof } from '@aitbc/protocol';

export type TreeNode =
  | { kind: 'empty' }
  | { kind: 'branch'; hash: string }
  /** `value`: the leaf value's canonical JSON, so a proof at any height can show it. */
  | { kind: 'leaf'; key: string; value_hash: string; value: string; hash: string };

export const EMPTY_NODE: TreeNode = { kind: 'empty' };

export const nodeHash = (node: TreeNode): string => (node.kind === 'empty' ? EMPTY_TREE_HASH : node.hash);

/** Reads the node at a path as of the state being changed (null: never written, so empty). */
export type NodeReader = (path: string) => TreeNode | null;

/** A leaf to put (key → its value), or null to remove the key. */
export type LeafUpdate = { key: string; value_hash: string; value: string } | null;

export function leafNode(key: string, value_hash: string, value: string): TreeNode {
  return { kind: 'leaf', key, value_hash, value, hash: stateLeafHash(key, value_hash) };
}

/** Applies `updates` to the tree `read` shows; returns the new root and the nodes to store by path. */
export function updateStateTree(read: NodeReader, updates: Map<string, LeafUpdate>): { root: string; writes: Map<string, TreeNode> } {
  const writes = new Map<string, TreeNode>();
  const write = (path: string, node: TreeNode): TreeNode => {
    writes.set(path, node);
    return node;
  };
  const stored = (path: string) => read(path) ?? EMPTY_NODE;

  /** A subtree whose leaves are all known (it was empty or one leaf): built and written whole. */
  const build = (path: string, leaves: TreeNode[]): TreeNode => {
    if (leaves.length <= 1) return write(path, leaves[0] ?? EMPTY_NODE);
    const depth = path.length;
    const left = build(`${path}0`, leaves.filter((leaf) => keyBit((leaf as { key: string }).key, depth) === 0));
    const right = build(`${path}1`, leaves.filter((leaf) => keyBit((leaf as { key: string }).key, depth) === 1));
    return write(path, { kind: 'branch', hash: stateBranchHash(nodeHash(left), nodeHash(right)) });
  };

  const update = (path: string, current: TreeNode, keys: string[]): TreeNode => {
    if (current.kind !== 'branch') {
      const leaves = new Map<string, TreeNode>();
      if (current.kind === 'leaf') leaves.set(current.key, current);
      for (const key of keys) {
        const next = updates.get(key)!;
        if (next) leaves.set(key, leafNode(key, next.value_hash, next.value));
        else leaves.delete(key);
      }
      return build(path, [...leaves.values()]);
    }
    const depth = path.length;
    const leftKeys = keys.filter((key) => keyBit(key, depth) === 0);
    const rightKeys = keys.filter((key) => keyBit(key, depth) === 1);
    const left = leftKeys.length > 0 ? update(`${path}0`, stored(`${path}0`), leftKeys) : stored(`${path}0`);
    const right = rightKeys.length > 0 ? update(`${path}1`, stored(`${path}1`), rightKeys) : stored(`${path}1`);
    // A subtree left with one leaf is that leaf (the tree stays canonical after removals).
    if (left.kind === 'empty' && right.kind !== 'branch') return write(path, right);
    if (right.kind === 'empty' && left.kind !== 'branch') return write(path, left);
    return write(path, { kind: 'branch', hash: stateBranchHash(nodeHash(left), nodeHash(right)) });
  };

  if (updates.size === 0) return { root: nodeHash(stored('')), writes };
  return { root: nodeHash(update('', stored(''), [...updates.keys()])), writes };
}

/** The proof of `key` in the tree `read` shows, and the leaf it ends in (null: empty). */
export function proveKey(read: NodeReader, key: string): { proof: StateProof; leaf: Extract<TreeNode, { kind: 'leaf' }> | null } {
  const siblings: string[] = [];
  let path = '';
  for (let node = read('') ?? EMPTY_NODE; ; ) {
    if (node.kind === 'empty') return { proof: { key, leaf: null, siblings }, leaf: null };
    if (node.kind === 'leaf') return { proof: { key, leaf: { key: node.key, value_hash: node.value_hash }, siblings }, leaf: node };
    const bit = keyBit(key, path.length);
    siblings.push(nodeHash(read(`${path}${1 - bit}`) ?? EMPTY_NODE));
    path = `${path}${bit}`;
    node = read(path) ?? EMPTY_NODE;
  }
}
