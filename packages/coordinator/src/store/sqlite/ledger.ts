// The double-entry ledger inside the SQLite engine: posts movements (entries summing to zero)
// and keeps the balance tables in step, always inside the caller's transaction; and audits the
// whole book against balances and jobs.

import type { Database } from 'better-sqlite3';
import { formatAmount, randomHex } from '@aitbc/protocol';
import type { LedgerAudit } from '../store.ts';

export type MovementKind = 'credit' | 'escrow' | 'refund' | 'payout' | 'claim';

export interface Leg {
  bucket: string;
  amount: bigint;
}

export const bucket = {
  available: (account: string) => `available:${account}`,
  escrowed: (account: string) => `escrowed:${account}`,
  earned: (minerId: string) => `earned:${minerId}`,
  claimed: (minerId: string) => `claimed:${minerId}`,
  external: 'external',
};

/** Which balance column a bucket is, or null for `external`. */
function column(name: string): { table: 'accounts' | 'miner_earnings'; column: string; key: string; id: string } | null {
  if (name === bucket.external) return null;
  const colon = name.indexOf(':');
  const kind = name.slice(0, colon);
  const id = name.slice(colon + 1);
  if (kind === 'available' || kind === 'escrowed') return { table: 'accounts', column: kind, key: 'account', id };
  if (kind === 'earned' || kind === 'claimed') return { table: 'miner_earnings', column: kind, key: 'miner_id', id };
  throw new Error(`unknown ledger bucket ${name}`);
}

export class Ledger {
  constructor(private readonly db: Database) {}

  ensureAccount(account: string, now: number): void {
    this.db.prepare('INSERT INTO accounts (account, created_at) VALUES (?, ?) ON CONFLICT (account) DO NOTHING').run(account, now);
  }

  /** Posts one movement. Must run inside a write transaction; the CHECKs refuse any negative balance. */
  post(kind: MovementKind, legs: Leg[], refs: { now: number; jobId?: string | null; receiptId?: string | null }): void {
    const total = legs.reduce((sum, leg) => sum + leg.amount, 0n);
    if (total !== 0n) throw new Error(`unbalanced ${kind} movement: legs sum to ${total}`);
    const movementId = `mv-${randomHex(12)}`;
    const insert = this.db.prepare('INSERT INTO ledger (movement_id, kind, bucket, amount, job_id, receipt_id, at) VALUES (?, ?, ?, ?, ?, ?, ?)');
    for (const leg of legs) {
      if (leg.amount === 0n) continue;
      insert.run(movementId, kind, leg.bucket, leg.amount, refs.jobId ?? null, refs.receiptId ?? null, refs.now);
      const target = column(leg.bucket);
      if (!target) continue;
      if (target.table === 'miner_earnings') {
        this.db.prepare('INSERT INTO miner_earnings (miner_id) VALUES (?) ON CONFLICT (miner_id) DO NOTHING').run(target.id);
      } else {
        this.ensureAccount(target.id, refs.now);
      }
      this.db.prepare(`UPDATE ${target.table} SET ${target.column} = ${target.column} + ? WHERE ${target.key} = ?`).run(leg.amount, target.id);
    }
  }

  refund(job: { jobId: string; account: string; maxPriceMicro: bigint }, now: number): void {
    this.post('refund', [
      { bucket: bucket.escrowed(job.account), amount: -job.maxPriceMicro },
      { bucket: bucket.available(job.account), amount: job.maxPriceMicro },
    ], { now, jobId: job.jobId });
  }

  /** Proves the book: movements balance, balances equal the ledger, escrow equals open jobs, each job paid or refunded once. */
  audit(): LedgerAudit {
    const problems: string[] = [];
    const big = (value: unknown) => (value === null || value === undefined ? 0n : BigInt(value as bigint));
    const fmt = (value: bigint) => `${formatAmount(value)} AITBC`;

    for (const row of this.db.prepare('SELECT movement_id, sum(amount) AS total FROM ledger GROUP BY movement_id HAVING sum(amount) != 0').all() as { movement_id: string; total: bigint }[]) {
      problems.push(`movement ${row.movement_id} does not balance (sums to ${fmt(row.total)})`);
    }

    const sums = new Map<string, bigint>();
    for (const row of this.db.prepare('SELECT bucket, sum(amount) AS total FROM ledger GROUP BY bucket').all() as { bucket: string; total: bigint }[]) sums.set(row.bucket, row.total);
    const totals = { credited: -(sums.get(bucket.external) ?? 0n), available: 0n, escrowed: 0n, earned: 0n, claimed: 0n };
    const compare = (name: string, stored: bigint) => {
      const booked = sums.get(name) ?? 0n;
      if (booked !== stored) problems.push(`${name} holds ${fmt(stored)} but the ledger says ${fmt(booked)}`);
      sums.delete(name);
    };
    for (const row of this.db.prepare('SELECT account, available, escrowed FROM accounts').all() as { account: string; available: bigint; escrowed: bigint }[]) {
      compare(bucket.available(row.account), row.available);
      compare(bucket.escrowed(row.account), row.escrowed);
      totals.available += row.available;
      totals.escrowed += row.escrowed;
    }
    for (const row of this.db.prepare('SELECT miner_id, earned, claimed FROM miner_earnings').all() as { miner_id: string; earned: bigint; claimed: bigint }[]) {
      compare(bucket.earned(row.miner_id), row.earned);
      compare(bucket.claimed(row.miner_id), row.claimed);
      totals.earned += row.earned;
      totals.claimed += row.claimed;
    }
    sums.delete(bucket.external);
    for (const [name, total] of sums) if (total !== 0n) problems.push(`ledger bucket ${name} holds ${fmt(total)} with no balance row`);
    const held = totals.available + totals.escrowed + totals.earned + totals.claimed;
    if (held !== totals.credited) problems.push(`balances hold ${fmt(held)} but ${fmt(totals.credited)} came in: money was created or lost`);

    for (const row of this.db
      .prepare(
        `SELECT a.account, a.escrowed, coalesce((SELECT sum(max_price_micro) FROM jobs j WHERE j.account = a.account AND j.status IN ('queued', 'running')), 0) AS open
         FROM accounts a`,
      )
      .all() as { account: string; escrowed: bigint; open: bigint }[]) {
      if (big(row.escrowed) !== big(row.open)) problems.push(`account ${row.account} has ${fmt(big(row.escrowed))} escrowed but its open jobs hold ${fmt(big(row.open))}`);
    }

    // Per job: one escrow of max_price; open jobs nothing else; completed one payout of its price;
    // every other end one refund of everything.
    const jobs = this.db
      .prepare(
        `SELECT j.job_id, j.status, j.max_price_micro, j.price_micro,
           (SELECT count(DISTINCT movement_id) FROM ledger l WHERE l.job_id = j.job_id AND l.kind = 'escrow') AS escrows,
           (SELECT count(DISTINCT movement_id) FROM ledger l WHERE l.job_id = j.job_id AND l.kind = 'payout') AS payouts,
           (SELECT count(DISTINCT movement_id) FROM ledger l WHERE l.job_id = j.job_id AND l.kind = 'refund') AS refunds,
           (SELECT coalesce(sum(amount), 0) FROM ledger l WHERE l.job_id = j.job_id AND l.kind = 'payout' AND l.bucket LIKE 'earned:%') AS paid
         FROM jobs j`,
      )
      .all() as { job_id: string; status: string; max_price_micro: bigint; price_micro: bigint | null; escrows: bigint; payouts: bigint; refunds: bigint; paid: bigint }[];
    for (const job of jobs) {
      const [escrows, payouts, refunds] = [Number(job.escrows), Number(job.payouts), Number(job.refunds)];
      const open = job.status === 'queued' || job.status === 'running';
      if (escrows !== 1) problems.push(`job ${job.job_id} was escrowed ${escrows} times`);
      if (job.status === 'completed') {
        if (payouts !== 1 || refunds !== 0) problems.push(`completed job ${job.job_id} has ${payouts} payouts and ${refunds} refunds`);
        else if (big(job.paid) !== big(job.price_micro)) problems.push(`job ${job.job_id} paid ${fmt(big(job.paid))} for a price of ${fmt(big(job.price_micro))}`);
      } else if (open ? payouts + refunds !== 0 : payouts !== 0 || refunds !== 1) {
        problems.push(`${job.status} job ${job.job_id} has ${payouts} payouts and ${refunds} refunds`);
      }
    }
    for (const row of this.db
      .prepare(
        `SELECT e.miner_id, e.earned, e.claimed,
           coalesce((SELECT sum(price_micro) FROM receipts r WHERE r.miner_id = e.miner_id AND r.claimed_at IS NULL), 0) AS unclaimed_receipts,
           coalesce((SELECT sum(price_micro) FROM receipts r WHERE r.miner_id = e.miner_id AND r.claimed_at IS NOT NULL), 0) AS claimed_receipts
         FROM miner_earnings e`,
      )
      .all() as { miner_id: string; earned: bigint; claimed: bigint; unclaimed_receipts: bigint; claimed_receipts: bigint }[]) {
      if (big(row.earned) !== big(row.unclaimed_receipts) || big(row.claimed) !== big(row.claimed_receipts)) {
        problems.push(`miner ${row.miner_id} has earned ${fmt(big(row.earned))} / claimed ${fmt(big(row.claimed))} but its receipts say ${fmt(big(row.unclaimed_receipts))} / ${fmt(big(row.claimed_receipts))}`);
      }
    }
    return { ok: problems.length === 0, problems, totals, jobs: jobs.length };
  }
}
