// The PostgreSQL side of the acceptance window and disputes: the rules of the SQLite engine's
// src/store/sqlite/acceptance.ts (release held receipts whose window ended, freeze them while
// disputed, close a dispute with its check's verdict), inside the caller's transaction. What
// differs is concurrency: rows read to be written are locked, and each release is guarded on the
// receipt still being held, so two coordinators sweeping at once release a receipt once.

import * as movements from '../../ledger/movements.ts';
import { disputeResolution } from '../../verification/dispute.ts';
import type { CheckVerdict } from '../store.ts';
import type { Row } from '../sqlite/rows.ts';
import type { PgDb, Queryable } from './pg-db.ts';
import type { PgLedger } from './pg-ledger.ts';

/** Held receipts whose job's window ended and whose job is not under an open dispute. */
const DUE = `SELECT r.receipt_id, r.job_id, r.miner_id, r.price_micro FROM receipts r JOIN jobs j ON j.job_id = r.job_id
  WHERE r.released_at IS NULL AND r.refunded_at IS NULL AND j.accept_until <= @now::bigint AND j.dispute_state IS DISTINCT FROM 'open'`;

/** A receipt still held (neither released nor refunded), locked. */
const HELD_RECEIPT = 'SELECT receipt_id, job_id, miner_id, price_micro FROM receipts WHERE receipt_id = ? AND released_at IS NULL AND refunded_at IS NULL FOR UPDATE';

export class PgAcceptance {
  constructor(
    private readonly db: PgDb,
    private readonly ledger: PgLedger,
  ) {}

  /** Releases a locked held receipt; false when another transaction released or refunded it first. */
  private async release(q: Queryable, row: Row, now: number): Promise<boolean> {
    const changed = await q.run('UPDATE receipts SET released_at = ? WHERE receipt_id = ? AND released_at IS NULL AND refunded_at IS NULL', [now, row.receipt_id]);
    if (changed === 0) return false;
    await this.ledger.post(q, movements.release({ receiptId: row.receipt_id as string, jobId: row.job_id as string, minerId: row.miner_id as string, priceMicro: row.price_micro as bigint }), now);
    return true;
  }

  /**
   * Releases due receipts: up to `limit`, of one miner or one receipt when given. The rows are
   * locked (a concurrent release waits, then finds them released and skips them), so a caller
   * reading the receipt afterwards sees it released whichever transaction did it.
   */
  async releaseDue(q: Queryable, now: number, limit: number, only: { minerId?: string; receiptId?: string } = {}): Promise<number> {
    const rows = await q.all(
      `${DUE} AND (@minerId::text IS NULL OR r.miner_id = @minerId::text) AND (@receiptId::text IS NULL OR r.receipt_id = @receiptId::text)
       ORDER BY r.created_at, r.receipt_id LIMIT @limit::bigint FOR UPDATE OF r`,
      { now, limit, minerId: only.minerId ?? null, receiptId: only.receiptId ?? null },
    );
    let released = 0;
    for (const row of rows) if (await this.release(q, row, now)) released++;
    return released;
  }

  /** Inside the verdict's transaction: an open dispute decided by this check is upheld (price back to the client) or its earnings released. */
  async closeDispute(q: Queryable, checkId: number, verdict: CheckVerdict, detail: string, now: number): Promise<void> {
    const job = await q.get("SELECT job_id, account, receipt_id FROM jobs WHERE dispute_check_id = ? AND dispute_state = 'open' FOR UPDATE", [checkId]);
    if (!job) return;
    const resolution = disputeResolution(verdict);
    await q.run('UPDATE jobs SET dispute_state = ?, dispute_detail = ?, dispute_decided_at = ? WHERE job_id = ?', [resolution, detail, now, job.job_id]);
    const receipt = await q.get(HELD_RECEIPT, [job.receipt_id]);
    if (!receipt) return;
    if (resolution !== 'upheld') {
      await this.release(q, receipt, now);
      return;
    }
    await q.run('UPDATE receipts SET refunded_at = ? WHERE receipt_id = ?', [now, receipt.receipt_id]);
    await this.ledger.post(
      q,
      movements.disputeRefund({ receiptId: receipt.receipt_id as string, jobId: receipt.job_id as string, minerId: receipt.miner_id as string, priceMicro: receipt.price_micro as bigint, account: job.account as string }),
      now,
    );
  }

  /** A whole read: the account's µAIT still open to dispute (NUMERIC sum: no overflow). */
  async disputableMicro(account: string, now: number): Promise<bigint> {
    return (await this.db.q.value(
      "SELECT coalesce(sum(price_micro), 0) FROM jobs WHERE account = ? AND status = 'completed' AND purpose = 'client' AND accept_until > ? AND dispute_state IS NULL",
      [account, now],
    )) as bigint;
  }
}
