// Chain state during block execution: a write-through overlay on the stored state (accounts,
// miner bonds, unbonding entries), so a block is executed (and its state root computed) before
// anything is written, and a block that fails leaves the store untouched. Transactions change it
// through txs/execute.ts; the slashes a block makes are collected here for the store. Its root is
// the state tree's (state-tree.ts), updated at the entries the block changed only.

import { encodeStateLeaf, memoize, stateKey, type StateLeafValue } from '@aitbc/protocol';
import { updateStateTree, type LeafUpdate, type TreeNode } from './state-tree.ts';

export interface Account {
  balance: bigint;
  nonce: number;
}

/** What `address` has bonded on the miner key its receipts are signed with. */
export interface Bond {
  miner_key: string;
  address: string;
  amount: bigint;
}

/** Bond on its way back to `address`: still slashable until block `release_height` releases it. */
export interface Unbonding {
  /** The hash of the unbond transaction that made it. */
  id: string;
  miner_key: string;
  address: string;
  amount: bigint;
  release_height: number;
}

export interface SlashPayout {
  address: string;
  amount: bigint;
  /** The harmed client's address, or the bond address of a reference receipt's key. */
  role: 'beneficiary' | 'verifier';
}

/** What a slash took and where it went; the evidence is the slash transaction's body. */
export interface SlashRecord {
  receipt_id: string;
  tx_hash: string;
  miner_key: string;
  bond_address: string;
  amount: bigint;
  from_bond: bigint;
  from_unbonding: bigint;
  beneficiary: string;
  payouts: SlashPayout[];
}

export interface AccountReader {
  account(address: string): Account;
}

export interface StateReader extends AccountReader {
  bond(minerKey: string): Bond | null;
  /** A key's unbonding entries, by release height then id. */
  unbondingsOfKey(minerKey: string): Unbonding[];
  /** Entries whose release height is at most `height`. */
  unbondingsDue(height: number): Unbonding[];
  /** The state tree's node at a path, as of the head (null: never written). */
  stateNode(path: string): TreeNode | null;
}

/** What a block changes, for the store to write with it (null: the entry is gone). */
export interface StateChanges {
  readonly changed: Map<string, Account>;
  readonly changedBonds: Map<string, Bond | null>;
  readonly changedUnbondings: Map<string, Unbonding | null>;
  readonly slashes: SlashRecord[];
  /** The state tree's nodes the block rewrote, by path (filled by `root()`). */
  readonly treeNodes: Map<string, TreeNode>;
}

/** The leaf an account is in the state tree; an account without balance or nonce has none. */
export function accountLeaf(address: string, account: Account): StateLeafValue | null {
  return account.balance > 0n || account.nonce > 0 ? { kind: 'account', address, balance: account.balance.toString(), nonce: account.nonce } : null;
}

const bondLeaf = (bond: Bond): StateLeafValue => ({ kind: 'miner_bond', miner_key: bond.miner_key, address: bond.address, amount: bond.amount.toString() });
const unbondingLeaf = (entry: Unbonding): StateLeafValue => ({ kind: 'unbonding', id: entry.id, miner_key: entry.miner_key, address: entry.address, amount: entry.amount.toString(), release_height: entry.release_height });

// An account's key in the state tree (a SHA-256), derived once: the same senders change in block after block.
const accountKey = memoize(100_000, (address) => stateKey('account', address));

const byReleaseThenId = (a: Unbonding, b: Unbonding) => a.release_height - b.release_height || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

export class StateOverlay implements StateChanges {
  readonly changed = new Map<string, Account>();
  readonly changedBonds = new Map<string, Bond | null>();
  readonly changedUnbondings = new Map<string, Unbonding | null>();
  readonly slashes: SlashRecord[] = [];
  readonly treeNodes = new Map<string, TreeNode>();

  constructor(private readonly base: StateReader) {}

  get(address: string): Account {
    return this.changed.get(address) ?? this.base.account(address);
  }

  put(address: string, account: Account): void {
    this.changed.set(address, account);
  }

  credit(address: string, amount: bigint): void {
    const account = this.get(address);
    this.changed.set(address, { ...account, balance: account.balance + amount });
  }

  bond(minerKey: string): Bond | null {
    return this.changedBonds.has(minerKey) ? this.changedBonds.get(minerKey)! : this.base.bond(minerKey);
  }

  /** An empty bond is removed, so the key is free again once nothing is unbonding either. */
  putBond(bond: Bond): void {
    this.changedBonds.set(bond.miner_key, bond.amount > 0n ? bond : null);
  }

  unbondingsOfKey(minerKey: string): Unbonding[] {
    return this.merged(this.base.unbondingsOfKey(minerKey), (entry) => entry.miner_key === minerKey);
  }

  putUnbonding(entry: Unbonding): void {
    this.changedUnbondings.set(entry.id, entry.amount > 0n ? entry : null);
  }

  /** The address a key's bond or unbonding belongs to, if any: one key is bonded by one address only. */
  ownerOf(minerKey: string): string | null {
    return this.bond(minerKey)?.address ?? this.unbondingsOfKey(minerKey)[0]?.address ?? null;
  }

  /** Returns to their addresses the unbondings due at `height`; a block does this before its transactions. */
  releaseDue(height: number): void {
    for (const entry of this.merged(this.base.unbondingsDue(height), (candidate) => candidate.release_height <= height)) {
      this.credit(entry.address, entry.amount);
      this.changedUnbondings.set(entry.id, null);
    }
  }

  /** Stored entries as changed here, plus the new ones that match. */
  private merged(stored: Unbonding[], matches: (entry: Unbonding) => boolean): Unbonding[] {
    const entries = stored.filter((entry) => !this.changedUnbondings.has(entry.id));
    for (const entry of this.changedUnbondings.values()) if (entry && matches(entry)) entries.push(entry);
    return entries.sort(byReleaseThenId);
  }

  /** The state tree's root with this overlay's changes; keeps the nodes to write in `treeNodes`. */
  root(): string {
    const updates = new Map<string, LeafUpdate>();
    const put = (key: string, value: StateLeafValue | null) => updates.set(key, value && encodeStateLeaf(value, key));
    for (const [address, account] of this.changed) put(accountKey(address), accountLeaf(address, account));
    for (const [key, bond] of this.changedBonds) put(stateKey('miner_bond', key), bond && bondLeaf(bond));
    for (const [id, entry] of this.changedUnbondings) put(stateKey('unbonding', id), entry && unbondingLeaf(entry));
    const { root, writes } = updateStateTree((path) => this.base.stateNode(path), updates);
    this.treeNodes.clear();
    for (const [path, node] of writes) this.treeNodes.set(path, node);
    return root;
  }
}
