// The chain's state commitment, as anyone can recompute and check it without our code: a sparse
// Merkle tree over 256-bit keys, one leaf per account, bond and unbonding entry, a subtree with a
// single leaf collapsed into that leaf. Specified in docs/STATE-TREE.md; a block's state_root is
// the tree's root after the block. Browser-safe (the explorer verifies proofs with it).

// noble's SHA-256 itself, not the crypto backend: a page verifying proofs then bundles no Ed25519
// (38 kB). For 65-byte inputs it takes about 1 µs more than node:crypto: a few ms on a block of
// 500 transfers.
import { sha256 } from '@noble/hashes/sha2.js';
import { fromHex, toHex, utf8 } from './encoding.ts';
import { canonicalize } from './jcs.ts';

/** Names the root definition; a chain store records it and refuses another (docs/STATE-TREE.md). */
export const STATE_TREE_VERSION = 'aitbc-smt-v1';

/** The hash of an empty subtree at any depth: 32 zero bytes. */
export const EMPTY_TREE_HASH = '0'.repeat(64);

/** What a leaf holds; amounts are integer µAIT as decimal strings. */
export type StateLeafValue =
  | { kind: 'account'; address: string; balance: string; nonce: number }
  | { kind: 'miner_bond'; miner_key: string; address: string; amount: string }
  | { kind: 'unbonding'; id: string; miner_key: string; address: string; amount: string; release_height: number };

const LEAF_TAG = 0x00;
const BRANCH_TAG = 0x01;

function hashTagged(tag: number, first: Uint8Array, second: Uint8Array): Uint8Array {
  const bytes = new Uint8Array(65);
  bytes[0] = tag;
  bytes.set(first, 1);
  bytes.set(second, 33);
  return sha256(bytes);
}

/** The key of an entry: SHA-256 of "<kind>:<id>" (an address, a miner key, an unbonding id), hex. */
export function stateKey(kind: StateLeafValue['kind'], id: string): string {
  return toHex(sha256(utf8(`${kind}:${id}`)));
}

/** The key of the entry a leaf value describes. */
export function stateKeyOf(value: StateLeafValue): string {
  return stateKey(value.kind, value.kind === 'account' ? value.address : value.kind === 'miner_bond' ? value.miner_key : value.id);
}

/** SHA-256 of the value's canonical JSON (RFC 8785), hex. */
export function stateValueHash(value: StateLeafValue): string {
  return encodeStateLeaf(value).value_hash;
}

/** A leaf value's key, canonical JSON and that JSON's hash. `key`: stateKeyOf(value), when the caller has it. */
export function encodeStateLeaf(value: StateLeafValue, key = stateKeyOf(value)): { key: string; value: string; value_hash: string } {
  const json = canonicalize(value);
  return { key, value: json, value_hash: toHex(sha256(utf8(json))) };
}

/** SHA-256(0x00 ‖ key ‖ value hash), hex. */
export function stateLeafHash(keyHex: string, valueHashHex: string): string {
  return toHex(hashTagged(LEAF_TAG, fromHex(keyHex), fromHex(valueHashHex)));
}

/** SHA-256(0x01 ‖ left ‖ right), hex. */
export function stateBranchHash(leftHex: string, rightHex: string): string {
  return toHex(hashTagged(BRANCH_TAG, fromHex(leftHex), fromHex(rightHex)));
}

/** Bit `depth` of a hex key, most significant bit of the first byte first. */
export function keyBit(keyHex: string, depth: number): 0 | 1 {
  const nibble = Number.parseInt(keyHex[depth >> 2]!, 16);
  return ((nibble >> (3 - (depth & 3))) & 1) as 0 | 1;
}

export interface StateTreeLeaf {
  key: string;
  value_hash: string;
}

/** The root of the tree holding exactly `leaves` (distinct keys), computed from scratch. */
export function stateRootOf(leaves: StateTreeLeaf[]): string {
  const subtree = (group: StateTreeLeaf[], depth: number): string => {
    if (group.length === 0) return EMPTY_TREE_HASH;
    if (group.length === 1) return stateLeafHash(group[0]!.key, group[0]!.value_hash);
    return stateBranchHash(
      subtree(group.filter((leaf) => keyBit(leaf.key, depth) === 0), depth + 1),
      subtree(group.filter((leaf) => keyBit(leaf.key, depth) === 1), depth + 1),
    );
  };
  return subtree(leaves, 0);
}

/**
 * A key's path in the tree: the sibling hashes from the root's children down, and what the path
 * ends in. `leaf` is the key's own leaf (presence), another key's leaf whose key shares the path
 * (absence), or null for an empty subtree (absence).
 */
export interface StateProof {
  key: string;
  leaf: StateTreeLeaf | null;
  siblings: string[];
}

const HASH_PATTERN = /^[0-9a-f]{64}$/;

/**
 * Whether `proof` shows `key` holding the value with `valueHash` (or, with null, holding nothing)
 * in the tree whose root is `root`. Never throws for a malformed proof: false.
 */
export function verifyStateProof(root: string, key: string, valueHash: string | null, proof: StateProof): boolean {
  if (!HASH_PATTERN.test(key) || proof.key !== key || !Array.isArray(proof.siblings) || proof.siblings.length > 256) return false;
  if (!proof.siblings.every((sibling) => typeof sibling === 'string' && HASH_PATTERN.test(sibling))) return false;
  const depth = proof.siblings.length;
  let hash: string;
  if (proof.leaf === null) {
    if (valueHash !== null) return false;
    hash = EMPTY_TREE_HASH;
  } else {
    const { key: leafKey, value_hash: leafValueHash } = proof.leaf;
    if (typeof leafKey !== 'string' || typeof leafValueHash !== 'string' || !HASH_PATTERN.test(leafKey) || !HASH_PATTERN.test(leafValueHash)) return false;
    if (valueHash === null) {
      // Absence shown by another key's leaf: it must sit on this key's path.
      if (leafKey === key) return false;
      for (let bit = 0; bit < depth; bit++) if (keyBit(leafKey, bit) !== keyBit(key, bit)) return false;
    } else if (leafKey !== key || leafValueHash !== valueHash) {
      return false;
    }
    hash = stateLeafHash(leafKey, leafValueHash);
  }
  for (let bit = depth - 1; bit >= 0; bit--) {
    const sibling = proof.siblings[bit]!;
    hash = keyBit(key, bit) === 0 ? stateBranchHash(hash, sibling) : stateBranchHash(sibling, hash);
  }
  return hash === root;
}

/** What GET /rpc/accounts/{address}/proof answers, as far as checking it needs. */
export interface AccountProofAnswer {
  address: string;
  account: { kind: 'account'; address: string; balance: string; nonce: number } | null;
  proof: StateProof;
}

/**
 * Whether `answer` proves its account (or the address's absence) against `stateRoot`, a root the
 * caller takes from a block header it trusts. Browser-safe; false for anything malformed.
 */
export function verifyAccountProof(answer: AccountProofAnswer, stateRoot: string): boolean {
  const key = stateKey('account', answer.address);
  if (answer.proof?.key !== key) return false;
  const { account } = answer;
  if (account === null) return verifyStateProof(stateRoot, key, null, answer.proof);
  const wellFormed = account.kind === 'account' && account.address === answer.address && /^(0|[1-9][0-9]*)$/.test(account.balance) && Number.isSafeInteger(account.nonce) && account.nonce >= 0;
  return wellFormed && verifyStateProof(stateRoot, key, stateValueHash(account), answer.proof);
}
