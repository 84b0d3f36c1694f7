// Reads what the ledger audit (src/ledger/audit.ts) checks, one query per figure. The caller runs
// it inside one read transaction so every figure comes from the same state. Sums are exact
// (exact-sum.ts): books written before amounts were bounded hold sums past 2^63.

import type { Statement } from 'better-sqlite3';
import type { LedgerSnapshot } from '../../ledger/audit.ts';
import { bucket } from '../../ledger/buckets.ts';
import { exactSum, exactSumIsNotZero, joinSum } from './exact-sum.ts';
import { JOB_MOVEMENT_COUNTS, SETTLEMENT_RECEIPTS, toLedgerSnapshot } from '../rows/ledger-snapshot-rows.ts';
import type { Row } from './rows.ts';

const UNBALANCED_MOVEMENTS = `SELECT * FROM (SELECT movement_id, ${exactSum('amount', 'total')} FROM ledger GROUP BY movement_id) WHERE ${exactSumIsNotZero('total')}`;

const BUCKET_SUMS = `SELECT bucket, ${exactSum('amount', 'total')} FROM ledger GROUP BY bucket`;

const ACCOUNTS = `
  SELECT a.account, a.available, a.escrowed, a.withdrawing,
    coalesce(j.open_hi, 0) AS jobs_hi, coalesce(j.open_lo, 0) AS jobs_lo, coalesce(w.open_hi, 0) AS withdrawals_hi, coalesce(w.open_lo, 0) AS withdrawals_lo
  FROM accounts a
  LEFT JOIN (SELECT account, ${exactSum('max_price_micro', 'open')} FROM jobs WHERE status IN ('queued', 'running') GROUP BY account) j ON j.account = a.account
  LEFT JOIN (SELECT account, ${exactSum('amount_micro', 'open')} FROM chain_outbox
    WHERE kind = 'withdraw' AND state IN ('queued', 'pending', 'sent') GROUP BY account) w ON w.account = a.account`;

const MINERS = `
  WITH per_miner AS (
    SELECT miner_id,
      ${exactSum('CASE WHEN released_at IS NULL AND refunded_at IS NULL THEN price_micro ELSE 0 END', 'held')},
      ${exactSum('CASE WHEN released_at IS NOT NULL AND claimed_at IS NULL AND settled_at IS NULL THEN price_micro ELSE 0 END', 'unclaimed')},
      ${exactSum('CASE WHEN claimed_at IS NOT NULL AND settled_at IS NULL THEN price_micro ELSE 0 END', 'claimed')}
    FROM receipts GROUP BY miner_id)
  SELECT e.miner_id, e.held, e.earned, e.claimed AS claimed_balance, coalesce(p.held_hi, 0) AS held_hi, coalesce(p.held_lo, 0) AS held_lo,
    coalesce(p.unclaimed_hi, 0) AS unclaimed_hi, coalesce(p.unclaimed_lo, 0) AS unclaimed_lo, coalesce(p.claimed_hi, 0) AS claimed_hi, coalesce(p.claimed_lo, 0) AS claimed_lo
  FROM miner_earnings e LEFT JOIN per_miner p ON p.miner_id = e.miner_id`;

// A payout pays the miner's held: bucket (books from before migration 008 paid earned: directly).
const JOBS = `
  WITH per_job AS (
    SELECT job_id,
      ${JOB_MOVEMENT_COUNTS},
      max(CASE WHEN kind = 'payout' AND substr(bucket, 1, length(@held)) = @held THEN 1 ELSE 0 END) AS held_payout,
      ${exactSum("CASE WHEN kind = 'payout' AND (substr(bucket, 1, length(@held)) = @held OR substr(bucket, 1, length(@earned)) = @earned) THEN amount ELSE 0 END", 'paid')}
    FROM ledger WHERE job_id IS NOT NULL GROUP BY job_id)
  SELECT j.job_id, j.status, j.price_micro, j.dispute_state, r.released_at, r.refunded_at,
    coalesce(p.escrows, 0) AS escrows, coalesce(p.payouts, 0) AS payouts, coalesce(p.refunds, 0) AS refunds, coalesce(p.paid_hi, 0) AS paid_hi, coalesce(p.paid_lo, 0) AS paid_lo,
    coalesce(p.releases, 0) AS releases, coalesce(p.dispute_refunds, 0) AS dispute_refunds, coalesce(p.held_payout, 0) AS held_payout
  FROM jobs j LEFT JOIN per_job p ON p.job_id = j.job_id LEFT JOIN receipts r ON r.receipt_id = j.receipt_id`;

export function readLedgerSnapshot(sql: (text: string) => Statement): LedgerSnapshot {
  return toLedgerSnapshot(
    {
      unbalancedMovements: sql(UNBALANCED_MOVEMENTS).all() as Row[],
      bucketSums: sql(BUCKET_SUMS).all() as Row[],
      accounts: sql(ACCOUNTS).all() as Row[],
      miners: sql(MINERS).all() as Row[],
      jobs: sql(JOBS).all({ held: bucket.held(''), earned: bucket.earned('') }) as Row[],
      settlementReceipts: sql(SETTLEMENT_RECEIPTS).all() as Row[],
    },
    joinSum,
  );
}
