// The double-entry ledger inside the SQLite engine: posts movements (entries summing to zero)
// and keeps the balance tables in step, always inside the caller's transaction; and audits the
// whole book against balances and jobs.

import type { Statement } from 'better-sqlite3';
import { formatAmount, randomHex } from '@aitbc/protocol';
import type { LedgerAudit } from '../store.ts';
import { exactSum, exactSumIsNotZero, joinSum } from './exact-sum.ts';

export type MovementKind = 'credit' | 'escrow' | 'refund' | 'payout' | 'claim' | 'deposit' | 'settle' | 'withdraw' | 'withdrawn' | 'withdraw_refund';

export interface Leg {
  bucket: string;
  amount: bigint;
}

export const bucket = {
  available: (account: string) => `available:${account}`,
  escrowed: (account: string) => `escrowed:${account}`,
  /** Asked to withdraw, transfer not final yet. */
  withdrawing: (account: string) => `withdrawing:${account}`,
  earned: (minerId: string) => `earned:${minerId}`,
  claimed: (minerId: string) => `claimed:${minerId}`,
  /** Outside the books: admin credits and deposits come from here, settlements and withdrawals go here. */
  external: 'external',
};

/** Which balance column a bucket is, or null for `external`. */
function column(name: string): { table: 'accounts' | 'miner_earnings'; column: string; key: string; id: string } | null {
  if (name === bucket.external) return null;
  const colon = name.indexOf(':');
  const kind = name.slice(0, colon);
  const id = name.slice(colon + 1);
  if (kind === 'available' || kind === 'escrowed' || kind === 'withdrawing') return { table: 'accounts', column: kind, key: 'account', id };
  if (kind === 'earned' || kind === 'claimed') return { table: 'miner_earnings', column: kind, key: 'miner_id', id };
  throw new Error(`unknown ledger bucket ${name}`);
}

// Movement ids only need to be unique: a random per-process prefix and a counter (no syscall per id).
const movementPrefix = `mv-${randomHex(6)}-`;
let movementCounter = 0;
const nextMovementId = () => `${movementPrefix}${(movementCounter++).toString(36)}`;

export class Ledger {
  /** `sql` prepares (and caches) a statement on the store's connection. */
  constructor(private readonly sql: (text: string) => Statement) {}

  ensureAccount(account: string, now: number): void {
    this.sql('INSERT INTO accounts (account, created_at) VALUES (?, ?) ON CONFLICT (account) DO NOTHING').run(account, now);
  }

  /** Posts one movement. Must run inside a write transaction; the CHECKs refuse any negative balance. */
  post(kind: MovementKind, legs: Leg[], refs: { now: number; jobId?: string | null; receiptId?: string | null }): void {
    const total = legs.reduce((sum, leg) => sum + leg.amount, 0n);
    if (total !== 0n) throw new Error(`unbalanced ${kind} movement: legs sum to ${total}`);
    const movementId = nextMovementId();
    const insert = this.sql('INSERT INTO ledger (movement_id, kind, bucket, amount, job_id, receipt_id, at) VALUES (?, ?, ?, ?, ?, ?, ?)');
    for (const leg of legs) {
      if (leg.amount === 0n) continue;
      insert.run(movementId, kind, leg.bucket, leg.amount, refs.jobId ?? null, refs.receiptId ?? null, refs.now);
      const target = column(leg.bucket);
      if (!target) continue;
      if (leg.amount < 0n) {
        // A debit needs an existing balance; the CHECK refuses any that would go negative.
        const changed = this.sql(`UPDATE ${target.table} SET ${target.column} = ${target.column} + ? WHERE ${target.key} = ?`).run(leg.amount, target.id).changes;
        if (changed === 0) throw new Error(`ledger debit from ${leg.bucket}, which has no balance`);
      } else if (target.table === 'accounts') {
        // One upsert creates the balance row on first use and applies the credit.
        this.sql(`INSERT INTO accounts (account, ${target.column}, created_at) VALUES (?, ?, ?) ON CONFLICT (account) DO UPDATE SET ${target.column} = ${target.column} + excluded.${target.column}`).run(target.id, leg.amount, refs.now);
      } else {
        this.sql(`INSERT INTO miner_earnings (miner_id, ${target.column}) VALUES (?, ?) ON CONFLICT (miner_id) DO UPDATE SET ${target.column} = ${target.column} + excluded.${target.column}`).run(target.id, leg.amount);
      }
    }
  }

  /**
   * µAIT inside the books: every account's and every miner's balance. Money comes in (a credit,
   * a deposit) only while this stays within MAX_AMOUNT_MICRO, so no balance or sum can overflow.
   */
  heldMicro(): bigint {
    const accounts = this.sql(`SELECT ${exactSum('available', 'available')}, ${exactSum('escrowed', 'escrowed')}, ${exactSum('withdrawing', 'withdrawing')} FROM accounts`).get() as Record<string, unknown>;
    const miners = this.sql(`SELECT ${exactSum('earned', 'earned')}, ${exactSum('claimed', 'claimed')} FROM miner_earnings`).get() as Record<string, unknown>;
    return joinSum(accounts, 'available') + joinSum(accounts, 'escrowed') + joinSum(accounts, 'withdrawing') + joinSum(miners, 'earned') + joinSum(miners, 'claimed');
  }

  refund(job: { jobId: string; account: string; maxPriceMicro: bigint }, now: number): void {
    this.post('refund', [
      { bucket: bucket.escrowed(job.account), amount: -job.maxPriceMicro },
      { bucket: bucket.available(job.account), amount: job.maxPriceMicro },
    ], { now, jobId: job.jobId });
  }

  /**
   * Proves the book: movements balance, balances equal the ledger, escrow equals open jobs, each
   * job paid or refunded once. Every sum is exact (exact-sum.ts), so no stored value, however
   * large, can make the audit itself fail.
   */
  audit(): LedgerAudit {
    const problems: string[] = [];
    const big = (value: unknown) => (value === null || value === undefined ? 0n : BigInt(value as bigint));
    const fmt = (value: bigint) => `${formatAmount(value)} AITBC`;

    for (const row of this
      .sql(`SELECT * FROM (SELECT movement_id, ${exactSum('amount', 'total')} FROM ledger GROUP BY movement_id) WHERE ${exactSumIsNotZero('total')}`)
      .all() as { movement_id: string }[]) {
      problems.push(`movement ${row.movement_id} does not balance (sums to ${fmt(joinSum(row, 'total'))})`);
    }

    const sums = new Map<string, bigint>();
    for (const row of this.sql(`SELECT bucket, ${exactSum('amount', 'total')} FROM ledger GROUP BY bucket`).all() as { bucket: string }[]) sums.set(row.bucket, joinSum(row, 'total'));
    const totals = { credited: -(sums.get(bucket.external) ?? 0n), available: 0n, escrowed: 0n, earned: 0n, claimed: 0n, withdrawing: 0n };
    const compare = (name: string, stored: bigint) => {
      const booked = sums.get(name) ?? 0n;
      if (booked !== stored) problems.push(`${name} holds ${fmt(stored)} but the ledger says ${fmt(booked)}`);
      sums.delete(name);
    };
    for (const row of this.sql('SELECT account, available, escrowed, withdrawing FROM accounts').all() as { account: string; available: bigint; escrowed: bigint; withdrawing: bigint }[]) {
      compare(bucket.available(row.account), row.available);
      compare(bucket.escrowed(row.account), row.escrowed);
      compare(bucket.withdrawing(row.account), row.withdrawing);
      totals.available += row.available;
      totals.escrowed += row.escrowed;
      totals.withdrawing += row.withdrawing;
    }
    for (const row of this.sql('SELECT miner_id, earned, claimed FROM miner_earnings').all() as { miner_id: string; earned: bigint; claimed: bigint }[]) {
      compare(bucket.earned(row.miner_id), row.earned);
      compare(bucket.claimed(row.miner_id), row.claimed);
      totals.earned += row.earned;
      totals.claimed += row.claimed;
    }
    sums.delete(bucket.external);
    for (const [name, total] of sums) if (total !== 0n) problems.push(`ledger bucket ${name} holds ${fmt(total)} with no balance row`);
    const held = totals.available + totals.escrowed + totals.earned + totals.claimed + totals.withdrawing;
    if (held !== totals.credited) problems.push(`balances hold ${fmt(held)} but ${fmt(totals.credited)} came in: money was created or lost`);

    for (const row of this
      .sql(
        `SELECT a.account, a.escrowed, coalesce(o.open_hi, 0) AS open_hi, coalesce(o.open_lo, 0) AS open_lo
         FROM accounts a LEFT JOIN (SELECT account, ${exactSum('max_price_micro', 'open')} FROM jobs WHERE status IN ('queued', 'running') GROUP BY account) o ON o.account = a.account`,
      )
      .all() as { account: string; escrowed: bigint }[]) {
      const open = joinSum(row, 'open');
      if (big(row.escrowed) !== open) problems.push(`account ${row.account} has ${fmt(big(row.escrowed))} escrowed but its open jobs hold ${fmt(open)}`);
    }

    // Per job: one escrow of max_price; open jobs nothing else; completed one payout of its price;
    // every other end one refund of everything.
    const jobs = this
      .sql(
        `WITH per_job AS (
           SELECT job_id,
             count(DISTINCT CASE WHEN kind = 'escrow' THEN movement_id END) AS escrows,
             count(DISTINCT CASE WHEN kind = 'payout' THEN movement_id END) AS payouts,
             count(DISTINCT CASE WHEN kind = 'refund' THEN movement_id END) AS refunds,
             ${exactSum("CASE WHEN kind = 'payout' AND bucket LIKE 'earned:%' THEN amount ELSE 0 END", 'paid')}
           FROM ledger WHERE job_id IS NOT NULL GROUP BY job_id)
         SELECT j.job_id, j.status, j.max_price_micro, j.price_micro,
           coalesce(p.escrows, 0) AS escrows, coalesce(p.payouts, 0) AS payouts, coalesce(p.refunds, 0) AS refunds, coalesce(p.paid_hi, 0) AS paid_hi, coalesce(p.paid_lo, 0) AS paid_lo
         FROM jobs j LEFT JOIN per_job p ON p.job_id = j.job_id`,
      )
      .all() as { job_id: string; status: string; max_price_micro: bigint; price_micro: bigint | null; escrows: bigint; payouts: bigint; refunds: bigint }[];
    for (const job of jobs) {
      const [escrows, payouts, refunds] = [Number(job.escrows), Number(job.payouts), Number(job.refunds)];
      const open = job.status === 'queued' || job.status === 'running';
      if (escrows !== 1) problems.push(`job ${job.job_id} was escrowed ${escrows} times`);
      if (job.status === 'completed') {
        if (payouts !== 1 || refunds !== 0) problems.push(`completed job ${job.job_id} has ${payouts} payouts and ${refunds} refunds`);
        else if (joinSum(job, 'paid') !== big(job.price_micro)) problems.push(`job ${job.job_id} paid ${fmt(joinSum(job, 'paid'))} for a price of ${fmt(big(job.price_micro))}`);
      } else if (open ? payouts + refunds !== 0 : payouts !== 0 || refunds !== 1) {
        problems.push(`${job.status} job ${job.job_id} has ${payouts} payouts and ${refunds} refunds`);
      }
    }
    for (const row of this
      .sql(
        `WITH per_miner AS (
           SELECT miner_id,
             ${exactSum('CASE WHEN claimed_at IS NULL AND settled_at IS NULL THEN price_micro ELSE 0 END', 'unclaimed')},
             ${exactSum('CASE WHEN claimed_at IS NOT NULL AND settled_at IS NULL THEN price_micro ELSE 0 END', 'claimed')}
           FROM receipts GROUP BY miner_id)
         SELECT e.miner_id, e.earned, e.claimed AS claimed_balance, coalesce(p.unclaimed_hi, 0) AS unclaimed_hi, coalesce(p.unclaimed_lo, 0) AS unclaimed_lo,
           coalesce(p.claimed_hi, 0) AS claimed_hi, coalesce(p.claimed_lo, 0) AS claimed_lo
         FROM miner_earnings e LEFT JOIN per_miner p ON p.miner_id = e.miner_id`,
      )
      .all() as { miner_id: string; earned: bigint; claimed_balance: bigint }[]) {
      const [unclaimedReceipts, claimedReceipts] = [joinSum(row, 'unclaimed'), joinSum(row, 'claimed')];
      if (big(row.earned) !== unclaimedReceipts || big(row.claimed_balance) !== claimedReceipts) {
        problems.push(`miner ${row.miner_id} has earned ${fmt(big(row.earned))} / claimed ${fmt(big(row.claimed_balance))} but its receipts say ${fmt(unclaimedReceipts)} / ${fmt(claimedReceipts)}`);
      }
    }
    // Chain: money set aside for withdrawals equals the open withdrawals; each settled receipt left the books once.
    for (const row of this
      .sql(
        `SELECT a.account, a.withdrawing, coalesce(o.open_hi, 0) AS open_hi, coalesce(o.open_lo, 0) AS open_lo
         FROM accounts a LEFT JOIN (SELECT account, ${exactSum('amount_micro', 'open')} FROM chain_outbox
           WHERE kind = 'withdraw' AND state IN ('queued', 'pending', 'sent') GROUP BY account) o ON o.account = a.account`,
      )
      .all() as { account: string; withdrawing: bigint }[]) {
      const open = joinSum(row, 'open');
      if (big(row.withdrawing) !== open) problems.push(`account ${row.account} has ${fmt(big(row.withdrawing))} withdrawing but its open withdrawals hold ${fmt(open)}`);
    }
    for (const row of this
      .sql(
        `SELECT r.receipt_id, r.settled_at, (SELECT count(DISTINCT movement_id) FROM ledger l WHERE l.kind = 'settle' AND l.receipt_id = r.receipt_id) AS settles
         FROM receipts r WHERE r.settled_at IS NOT NULL OR r.settlement_id IS NOT NULL`,
      )
      .all() as { receipt_id: string; settled_at: bigint | null; settles: bigint }[]) {
      const expected = row.settled_at === null ? 0 : 1;
      if (Number(row.settles) !== expected) problems.push(`receipt ${row.receipt_id} left the books ${Number(row.settles)} times on settlement (expected ${expected})`);
    }
    return { ok: problems.length === 0, problems, totals, jobs: jobs.length };
  }
}
