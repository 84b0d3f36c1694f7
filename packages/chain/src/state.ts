// Account state during block execution: a write-through overlay on the stored accounts, so a
// block is executed (and its state root computed) before anything is written, and a block that
// fails leaves the store untouched. Transactions change it through txs/execute.ts.

import { canonicalize, formatAmount, sha256Hex } from '@aitbc/protocol';

export interface Account {
  balance: bigint;
  nonce: number;
}

export interface AccountReader {
  account(address: string): Account;
  allAccounts(): Map<string, Account>;
}

export class StateOverlay {
  readonly changed = new Map<string, Account>();

  constructor(private readonly base: AccountReader) {}

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

  /** SHA-256 over every account with a balance or a nonce, sorted by address. */
  root(): string {
    const merged = this.base.allAccounts();
    for (const [address, account] of this.changed) merged.set(address, account);
    const entries = [...merged]
      .filter(([, account]) => account.balance > 0n || account.nonce > 0)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([address, account]) => [address, formatAmount(account.balance), account.nonce]);
    return sha256Hex(canonicalize(entries));
  }
}
