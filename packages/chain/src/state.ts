// Account state during block execution: a write-through overlay on the stored accounts, so a
// block is executed (and its state root computed) before anything is written, and a block that
// fails leaves the store untouched.

import { canonicalize, formatAmount, parseAmount, sha256Hex } from '@aitbc/protocol';
import type { SignedTx } from './tx.ts';

export interface Account {
  balance: bigint;
  nonce: number;
}

export interface AccountReader {
  account(address: string): Account;
  allAccounts(): Map<string, Account>;
}

export class TxExecutionError extends Error {}

export class StateOverlay {
  readonly changed = new Map<string, Account>();

  constructor(private readonly base: AccountReader) {}

  get(address: string): Account {
    return this.changed.get(address) ?? this.base.account(address);
  }

  credit(address: string, amount: bigint): void {
    const account = this.get(address);
    this.changed.set(address, { ...account, balance: account.balance + amount });
  }

  /** Applies a transfer, a settlement's payouts or a proof's fee, or throws TxExecutionError saying why it cannot run now. */
  apply(tx: SignedTx, feeRecipient: string): void {
    const { body } = tx;
    const sender = this.get(body.from);
    if (body.nonce !== sender.nonce) throw new TxExecutionError(`nonce ${body.nonce} is not the sender's next nonce ${sender.nonce}`);
    const fee = parseAmount(body.fee);
    const credits =
      body.type === 'transfer'
        ? [{ address: body.to, amount: parseAmount(body.amount) }]
        : body.type === 'settle'
          ? body.payouts.map((payout) => ({ address: payout.address, amount: parseAmount(payout.amount) }))
          : []; // anchor_proof moves only its fee
    if (body.type === 'transfer' && credits[0]!.amount <= 0n) throw new TxExecutionError('amount must be more than 0');
    const total = credits.reduce((sum, credit) => sum + credit.amount, 0n);
    if (sender.balance < total + fee) throw new TxExecutionError(`balance ${formatAmount(sender.balance)} does not cover amount + fee ${formatAmount(total + fee)}`);
    this.changed.set(body.from, { balance: sender.balance - total - fee, nonce: sender.nonce + 1 });
    for (const credit of credits) this.credit(credit.address, credit.amount);
    if (fee > 0n) this.credit(feeRecipient, fee);
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
