// Reads for the web console, the miner dashboard and the market page: receipt listings, earnings
// and spend by UTC day, a miner's payouts, market activity and a key's use today. Reads only.

import type { DayEarnings, DaySpend, MarketActivity, MinerPayout, ReceiptListQuery, ReceiptPage } from '../store.ts';

export interface DashboardStore {
  /** Receipts newest first, narrowed by paying account, miner and the key that owns the miner. */
  listReceipts(query: ReceiptListQuery): Promise<ReceiptPage>;
  /** The miner's receipts made at or after `since` (epoch ms), per UTC day and model, oldest day first. */
  earningsByDay(minerId: string, since: number): Promise<DayEarnings[]>;
  /** The settlements that carry the miner's receipts, newest first, with the miner's part of each. */
  minerPayouts(minerId: string, limit: number): Promise<MinerPayout[]>;
  /** The account's jobs completed at or after `since`, per UTC day of completion, oldest first. */
  spendByDay(account: string, since: number): Promise<DaySpend[]>;
  /** Jobs waiting per model, and jobs completed since each of the given times. */
  marketActivity(completedSince: number[]): Promise<MarketActivity>;
  /** Jobs the key submitted on a UTC day (YYYY-MM-DD), as its daily quota counts them. */
  keySubmits(keyId: string, day: string): Promise<number>;
}
