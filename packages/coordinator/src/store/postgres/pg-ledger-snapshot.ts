// Reads what the ledger audit (src/ledger/audit.ts) checks: the SQLite engine's queries
// (src/store/sqlite/ledger-snapshot.ts) in PostgreSQL's dialect, with plain sums (sum() of BIGINT
// is NUMERIC: no overflow, so no split sums). Each sum column is named `<name>_sum`. The caller
// runs it in one snapshot (db.snapshot) so every figure comes from the same state.

import type { LedgerSnapshot } from '../../ledger/audit.ts';
import { bucket } from '../../ledger/buckets.ts';
import { JOB_MOVEMENT_COUNTS, SETTLEMENT_RECEIPTS, toLedgerSnapshot } from '../rows/ledger-snapshot-rows.ts';
import type { Row } from '../sqlite/rows.ts';
import type { Queryable } from './pg-db.ts';

const UNBALANCED_MOVEMENTS = 'SELECT movement_id, sum(amount) AS total_sum FROM ledger GROUP BY movement_id HAVING sum(amount) <> 0';

const BUCKET_SUMS = 'SELECT bucket, sum(amount) AS total_sum FROM ledger GROUP BY bucket';

const ACCOUNTS = `
  SELECT a.account, a.available, a.escrowed, a.withdrawing, coalesce(j.open, 0) AS jobs_sum, coalesce(w.open, 0) AS withdrawals_sum
  FROM accounts a
  LEFT JOIN (SELECT account, sum(max_price_micro) AS open FROM jobs WHERE status IN ('queued', 'running') GROUP BY account) j ON j.account = a.account
  LEFT JOIN (SELECT account, sum(amount_micro) AS open FROM chain_outbox
    WHERE kind = 'withdraw' AND state IN ('queued', 'pending', 'sent') GROUP BY account) w ON w.account = a.account`;

const MINERS = `
  WITH per_miner AS (
    SELECT miner_id,
      sum(CASE WHEN released_at IS NULL AND refunded_at IS NULL THEN price_micro ELSE 0 END) AS held,
      sum(CASE WHEN released_at IS NOT NULL AND claimed_at IS NULL AND settled_at IS NULL THEN price_micro ELSE 0 END) AS unclaimed,
      sum(CASE WHEN claimed_at IS NOT NULL AND settled_at IS NULL THEN price_micro ELSE 0 END) AS claimed
    FROM receipts GROUP BY miner_id)
  SELECT e.miner_id, e.held, e.earned, e.claimed AS claimed_balance, coalesce(p.held, 0) AS held_sum,
    coalesce(p.unclaimed, 0) AS unclaimed_sum, coalesce(p.claimed, 0) AS claimed_sum
  FROM miner_earnings e LEFT JOIN per_miner p ON p.miner_id = e.miner_id`;

// As in SQLite: a payout pays the miner's held: bucket (the earned: prefix is counted for the same rule).
const JOBS = `
  WITH per_job AS (
    SELECT job_id,
      ${JOB_MOVEMENT_COUNTS},
      max(CASE WHEN kind = 'payout' AND starts_with(bucket, @held::text) THEN 1 ELSE 0 END) AS held_payout,
      sum(CASE WHEN kind = 'payout' AND (starts_with(bucket, @held::text) OR starts_with(bucket, @earned::text)) THEN amount ELSE 0 END) AS paid
    FROM ledger WHERE job_id IS NOT NULL GROUP BY job_id)
  SELECT j.job_id, j.status, j.price_micro, j.dispute_state, r.released_at, r.refunded_at,
    coalesce(p.escrows, 0) AS escrows, coalesce(p.payouts, 0) AS payouts, coalesce(p.refunds, 0) AS refunds, coalesce(p.paid, 0) AS paid_sum,
    coalesce(p.releases, 0) AS releases, coalesce(p.dispute_refunds, 0) AS dispute_refunds, coalesce(p.held_payout, 0) AS held_payout
  FROM jobs j LEFT JOIN per_job p ON p.job_id = j.job_id LEFT JOIN receipts r ON r.receipt_id = j.receipt_id`;

export async function readLedgerSnapshot(q: Queryable): Promise<LedgerSnapshot> {
  return toLedgerSnapshot(
    {
      unbalancedMovements: await q.all(UNBALANCED_MOVEMENTS),
      bucketSums: await q.all(BUCKET_SUMS),
      accounts: await q.all(ACCOUNTS),
      miners: await q.all(MINERS),
      jobs: await q.all(JOBS, { held: bucket.held(''), earned: bucket.earned('') }),
      settlementReceipts: await q.all(SETTLEMENT_RECEIPTS),
    },
    (row: Row, name: string) => row[`${name}_sum`] as bigint,
  );
}
