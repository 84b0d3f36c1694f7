// The SQLite side of the acceptance window and disputes (migration 008): releasing held receipts
// whose window ended, freezing them while disputed, and closing a dispute with its check's verdict
// (src/verification/dispute.ts decides what it comes to). Always inside the caller's transaction.

import type { Statement } from 'better-sqlite3';
import * as movements from '../../ledger/movements.ts';
import { disputeResolution } from '../../verification/dispute.ts';
import type { CheckVerdict } from '../store.ts';
import type { Ledger } from './ledger.ts';
import { exactSum, joinSum } from './exact-sum.ts';
import type { Row } from './rows.ts';

/** Held receipts whose job's window ended and whose job is not under an open dispute. */
const DUE = `SELECT r.receipt_id, r.job_id, r.miner_id, r.price_micro FROM receipts r INDEXED BY receipts_held JOIN jobs j ON j.job_id = r.job_id
  WHERE r.released_at IS NULL AND r.refunded_at IS NULL AND j.accept_until <= @now AND j.dispute_state IS NOT 'open'`;

export class SqliteAcceptance {
  constructor(
    private readonly sql: (text: string) => Statement,
    private readonly ledger: Ledger,
  ) {}

  private release(row: Row, now: number): void {
    this.sql('UPDATE receipts SET released_at = ? WHERE receipt_id = ?').run(now, row.receipt_id);
    this.ledger.post(movements.release({ receiptId: row.receipt_id as string, jobId: row.job_id as string, minerId: row.miner_id as string, priceMicro: row.price_micro as bigint }), now);
  }

  /** Releases due receipts: up to `limit`, of one miner or one receipt when given. */
  releaseDue(now: number, limit: number, only: { minerId?: string; receiptId?: string } = {}): number {
    const rows = this
      .sql(`${DUE} AND (@minerId IS NULL OR r.miner_id = @minerId) AND (@receiptId IS NULL OR r.receipt_id = @receiptId) ORDER BY r.created_at LIMIT @limit`)
      .all({ now, limit, minerId: only.minerId ?? null, receiptId: only.receiptId ?? null }) as Row[];
    for (const row of rows) this.release(row, now);
    return rows.length;
  }

  /** Inside the verdict's transaction: an open dispute decided by this check is upheld (price back to the client) or its earnings released. */
  closeDispute(checkId: number, verdict: CheckVerdict, detail: string, now: number): void {
    const job = this.sql("SELECT job_id, account, receipt_id FROM jobs WHERE dispute_check_id = ? AND dispute_state = 'open'").get(checkId) as Row | undefined;
    if (!job) return;
    const resolution = disputeResolution(verdict);
    this.sql('UPDATE jobs SET dispute_state = ?, dispute_detail = ?, dispute_decided_at = ? WHERE job_id = ?').run(resolution, detail, now, job.job_id);
    const receipt = this.sql('SELECT receipt_id, job_id, miner_id, price_micro FROM receipts WHERE receipt_id = ? AND released_at IS NULL AND refunded_at IS NULL').get(job.receipt_id) as Row | undefined;
    if (!receipt) return;
    if (resolution !== 'upheld') return this.release(receipt, now);
    this.sql('UPDATE receipts SET refunded_at = ? WHERE receipt_id = ?').run(now, receipt.receipt_id);
    this.ledger.post(
      movements.disputeRefund({ receiptId: receipt.receipt_id as string, jobId: receipt.job_id as string, minerId: receipt.miner_id as string, priceMicro: receipt.price_micro as bigint, account: job.account as string }),
      now,
    );
  }

  disputableMicro(account: string, now: number): bigint {
    const row = this
      .sql(`SELECT ${exactSum('price_micro', 'open')} FROM jobs WHERE account = ? AND status = 'completed' AND purpose = 'client' AND accept_until > ? AND dispute_state IS NULL`)
      .get(account, now) as Row;
    return joinSum(row, 'open');
  }
}
