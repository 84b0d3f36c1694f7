// The ledger snapshot (what src/ledger/audit.ts checks) from the rows of its six queries, for both
// engines. Each engine writes its own SQL and reads its own sums: SQLite splits them into high and
// low halves (src/store/sqlite/exact-sum.ts), PostgreSQL sums into NUMERIC.

import type { LedgerSnapshot } from '../../ledger/audit.ts';
import type { JobStatus } from '../store.ts';
import { num, type Row } from '../sqlite/rows.ts';

/** Select items of the per-job CTE, the same SQL in both engines: how many movements of each kind a job's ledger rows belong to. */
export const JOB_MOVEMENT_COUNTS = `count(DISTINCT CASE WHEN kind = 'escrow' THEN movement_id END) AS escrows,
      count(DISTINCT CASE WHEN kind = 'payout' THEN movement_id END) AS payouts,
      count(DISTINCT CASE WHEN kind = 'refund' THEN movement_id END) AS refunds,
      count(DISTINCT CASE WHEN kind = 'release' THEN movement_id END) AS releases,
      count(DISTINCT CASE WHEN kind = 'dispute_refund' THEN movement_id END) AS dispute_refunds`;

/** The receipts a settlement took or paid, with how many settle movements each has: the same SQL in both engines. */
export const SETTLEMENT_RECEIPTS = `
  SELECT r.receipt_id, r.settled_at, (SELECT count(DISTINCT movement_id) FROM ledger l WHERE l.kind = 'settle' AND l.receipt_id = r.receipt_id) AS settles
  FROM receipts r WHERE r.settled_at IS NOT NULL OR r.settlement_id IS NOT NULL`;

/** The rows of each query, columns named as in src/store/sqlite/ledger-snapshot.ts. */
export interface LedgerSnapshotRows {
  unbalancedMovements: Row[];
  bucketSums: Row[];
  accounts: Row[];
  miners: Row[];
  jobs: Row[];
  settlementReceipts: Row[];
}

/** `sum(row, name)`: the sum the query named `name`, read the engine's way. */
export function toLedgerSnapshot(rows: LedgerSnapshotRows, sum: (row: Row, name: string) => bigint): LedgerSnapshot {
  return {
    unbalancedMovements: rows.unbalancedMovements.map((row) => ({ movementId: row.movement_id as string, sumMicro: sum(row, 'total') })),
    bucketSums: new Map(rows.bucketSums.map((row) => [row.bucket as string, sum(row, 'total')])),
    accounts: rows.accounts.map((row) => ({
      account: row.account as string,
      availableMicro: row.available as bigint,
      escrowedMicro: row.escrowed as bigint,
      withdrawingMicro: row.withdrawing as bigint,
      openJobsMicro: sum(row, 'jobs'),
      openWithdrawalsMicro: sum(row, 'withdrawals'),
    })),
    miners: rows.miners.map((row) => ({
      minerId: row.miner_id as string,
      heldMicro: row.held as bigint,
      earnedMicro: row.earned as bigint,
      claimedMicro: row.claimed_balance as bigint,
      heldReceiptsMicro: sum(row, 'held'),
      unclaimedReceiptsMicro: sum(row, 'unclaimed'),
      claimedReceiptsMicro: sum(row, 'claimed'),
    })),
    jobs: rows.jobs.map((row) => ({
      jobId: row.job_id as string,
      status: row.status as JobStatus,
      priceMicro: (row.price_micro as bigint | null) ?? null,
      escrows: num(row.escrows),
      payouts: num(row.payouts),
      refunds: num(row.refunds),
      paidMicro: sum(row, 'paid'),
      heldPayout: num(row.held_payout) === 1,
      releases: num(row.releases),
      disputeRefunds: num(row.dispute_refunds),
      released: row.released_at !== null && row.released_at !== undefined,
      refunded: row.refunded_at !== null && row.refunded_at !== undefined,
      disputeOpen: row.dispute_state === 'open',
    })),
    settlementReceipts: rows.settlementReceipts.map((row) => ({ receiptId: row.receipt_id as string, settled: row.settled_at !== null, settles: num(row.settles) })),
  };
}
