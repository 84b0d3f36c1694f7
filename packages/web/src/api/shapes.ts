// Answers of the coordinator's console endpoints (receipts list, earnings series, spend, the key,
// the market), as the API documents them. Amounts are decimal AITBC strings, times RFC 3339.

export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

export interface ReceiptListItem {
  receipt_id: string;
  job_id: string;
  miner_id: string;
  account: string;
  model: string;
  price: string;
  units: string;
  created_at: string;
  released_at: string | null;
  claimed_at: string | null;
  settled_at: string | null;
  refunded_at: string | null;
  settlement: { outbox_id: number; tx_hash: string | null; block_height: number | null } | null;
}

export interface EarningsDay {
  day: string;
  model: string;
  jobs: number;
  units: string;
  earned: string;
}

export interface Payout {
  outbox_id: number;
  tx_hash: string | null;
  block_height: number | null;
  amount: string;
  at: string;
}

export interface EarningsSeries {
  miner_id: string;
  days: EarningsDay[];
  held: string;
  earned: string;
  claimed: string;
  settled: string;
  payouts: Payout[];
}

export interface SpendSeries {
  account: string;
  days: { day: string; jobs: number; spent: string }[];
}

export interface KeyInfo {
  key_id: string;
  scopes: string[];
  account: string | null;
  rate_limit_per_minute: number | null;
  daily_job_quota: number | null;
  used_today: number;
  expires_at: string | null;
  created_at: string;
}

export interface MarketModel {
  model: string;
  miners_online: number;
  min_price: string | null;
  max_price: string | null;
  capabilities: string[];
  queued: number;
}

export interface Market {
  models: MarketModel[];
  miners_online: number;
  queue_depth: number;
  jobs_per_minute: number;
  completed_last_hour: number;
}
