// Balances, credits, earnings, and the snapshot the ledger audit judges.

import type { AccountBalance, CreditOutcome, MinerEarnings } from '../store.ts';
import type { LedgerSnapshot } from '../../ledger/audit.ts';

export interface LedgerStore {
  getAccount(account: string): Promise<AccountBalance>;
  /** Credits `available`, unless the money held in the books would pass MAX_AMOUNT_MICRO. */
  credit(account: string, amountMicro: bigint, now: number): Promise<CreditOutcome>;
  /** Releases the miner's due receipts first (lazily, in the same transaction), then reads. */
  minerEarnings(minerId: string, now: number): Promise<MinerEarnings>;
  /** What the ledger audit (src/ledger/audit.ts) checks, read in one transaction; the engine sums, the audit judges. */
  ledgerSnapshot(): Promise<LedgerSnapshot>;
}
