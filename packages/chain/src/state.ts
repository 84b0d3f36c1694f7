// Chain state during block execution: a write-through overlay on the stored state (accounts,
// miner bonds, unbonding entries), so a block is executed (and its state root computed) before
// anything is written, and a block that fails leaves the store untouched. Transactions change it
// through txs/execute.ts; the slashes a block makes are collected here for the store.

import { canonicalize, formatAmount, sha256Hex } from '@aitbc/protocol';

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
  allAccounts(): Map<string, Account>;
}

export interface StateReader extends AccountReader {
  bond(minerKey: string): Bond | null;
  allBonds(): Bond[];
  /** A key's unbonding entries, by release height then id. */
  unbondingsOfKey(minerKey: string): Unbonding[];
  /** Entries whose release height is at most `height`. */
  unbondingsDue(height: number): Unbonding[];
  allUnbondings(): Unbonding[];
}

/** What a block changes, for the store to write with it (null: the entry is gone). */
export interface StateChanges {
  readonly changed: Map<string, Account>;
  readonly changedBonds: Map<string, Bond | null>;
  readonly changedUnbondings: Map<string, Unbonding | null>;
  readonly slashes: SlashRecord[];
}

const byReleaseThenId = (a: Unbonding, b: Unbonding) => a.release_height - b.release_height || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
const byKey = <T>(key: (value: T) => string) => (a: T, b: T) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0);

export class StateOverlay implements StateChanges {
  readonly changed = new Map<string, Account>();
  readonly changedBonds = new Map<string, Bond | null>();
  readonly changedUnbondings = new Map<string, Unbonding | null>();
  readonly slashes: SlashRecord[] = [];

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

  /**
   * SHA-256 over every account with a balance or a nonce, sorted by address; with bonds or
   * unbondings, over those too. A state without any has the accounts-only root it had before
   * bonds existed, so chains made before them keep their roots.
   */
  root(): string {
    const merged = this.base.allAccounts();
    for (const [address, account] of this.changed) merged.set(address, account);
    const accounts = [...merged]
      .filter(([, account]) => account.balance > 0n || account.nonce > 0)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([address, account]) => [address, formatAmount(account.balance), account.nonce]);
    const bonds = new Map(this.base.allBonds().map((bond) => [bond.miner_key, bond] as [string, Bond | null]));
    for (const [key, bond] of this.changedBonds) bonds.set(key, bond);
    const unbondings = new Map(this.base.allUnbondings().map((entry) => [entry.id, entry] as [string, Unbonding | null]));
    for (const [id, entry] of this.changedUnbondings) unbondings.set(id, entry);
    const bondRows = [...bonds.values()]
      .filter((bond): bond is Bond => bond !== null)
      .sort(byKey((bond) => bond.miner_key))
      .map((bond) => [bond.miner_key, bond.address, formatAmount(bond.amount)]);
    const unbondingRows = [...unbondings.values()]
      .filter((entry): entry is Unbonding => entry !== null)
      .sort(byKey((entry) => entry.id))
      .map((entry) => [entry.id, entry.miner_key, entry.address, formatAmount(entry.amount), entry.release_height]);
    if (bondRows.length === 0 && unbondingRows.length === 0) return sha256Hex(canonicalize(accounts));
    return sha256Hex(canonicalize({ accounts, bonds: bondRows, unbondings: unbondingRows }));
  }
}
