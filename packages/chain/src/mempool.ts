// Transactions waiting for a block, by hash and by sender, and what they claim: admission runs a
// new transaction after its sender's queued ones and against what the pool already claims (a
// receipt to settle, …), which must not mean scanning the whole pool for each submit, nor the
// sender's queue: the sender's account after its queued transactions is kept with them.

import type { Account } from './state.ts';
import type { SignedTx } from './tx.ts';
import { txClaims } from './txs/registry.ts';
import type { Claims } from './txs/types.ts';

export class Mempool {
  private readonly byHash = new Map<string, SignedTx>();
  private readonly bySender = new Map<string, Map<string, SignedTx>>();
  /** claim → how many waiting transactions make it. */
  private readonly claimCounts = new Map<string, number>();
  readonly claims: Claims = { has: (claim) => this.claimCounts.has(claim) };
  /** Per sender: its account after its queued transactions, as admission found it on the head `head`. */
  private readonly afterQueued = new Map<string, { head: string; account: Account }>();

  get size(): number {
    return this.byHash.size;
  }

  has(hash: string): boolean {
    return this.byHash.has(hash);
  }

  get(hash: string): SignedTx | undefined {
    return this.byHash.get(hash);
  }

  /** `after`: the sender's account once this transaction has run after its queued ones, on the head `head`. */
  add(hash: string, tx: SignedTx, after?: { head: string; account: Account }): void {
    this.byHash.set(hash, tx);
    if (after) this.afterQueued.set(tx.body.from, after);
    else this.afterQueued.delete(tx.body.from);
    let queued = this.bySender.get(tx.body.from);
    if (!queued) this.bySender.set(tx.body.from, (queued = new Map()));
    queued.set(hash, tx);
    for (const claim of txClaims(tx.body)) this.claimCounts.set(claim, (this.claimCounts.get(claim) ?? 0) + 1);
  }

  delete(hash: string): void {
    const tx = this.byHash.get(hash);
    if (!tx) return;
    this.byHash.delete(hash);
    this.afterQueued.delete(tx.body.from);
    const queued = this.bySender.get(tx.body.from)!;
    queued.delete(hash);
    if (queued.size === 0) this.bySender.delete(tx.body.from);
    for (const claim of txClaims(tx.body)) {
      const count = this.claimCounts.get(claim)!;
      if (count === 1) this.claimCounts.delete(claim);
      else this.claimCounts.set(claim, count - 1);
    }
  }

  /** [hash, tx] in arrival order. */
  entries(): [string, SignedTx][] {
    return [...this.byHash];
  }

  transactions(): SignedTx[] {
    return [...this.byHash.values()];
  }

  /** The sender's account after all its queued transactions on the head `head`, if known. */
  accountAfterQueued(sender: string, head: string): Account | undefined {
    const known = this.afterQueued.get(sender);
    return known?.head === head ? known.account : undefined;
  }

  /** A sender's queued transactions, lowest nonce first. */
  fromSender(address: string): SignedTx[] {
    return [...(this.bySender.get(address)?.values() ?? [])].sort((a, b) => a.body.nonce - b.body.nonce);
  }
}
