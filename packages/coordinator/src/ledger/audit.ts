// The ledger audit as a pure function: it proves the books over a snapshot that the engine reads
// in one transaction (src/store/sqlite/ledger-snapshot.ts) and holds no SQL, so every engine is held
// to the same rules. All figures are exact bigint µAIT: no stored value, however large (books
// written before amounts were bounded hold sums past 2^63), can make the audit itself fail.

import { formatAmount } from '@aitbc/protocol';
import type { JobStatus } from '../store/store.ts';
import { bucket } from './buckets.ts';

/** Everything the audit checks, read by the engine in one transaction. */
export interface LedgerSnapshot {
  /** Movements whose legs do not sum to zero (the engine sums per movement and keeps only these). */
  unbalancedMovements: { movementId: string; sumMicro: bigint }[];
  /** The ledger's sum per bucket, `external` included. */
  bucketSums: Map<string, bigint>;
  /** Each account's balance row, beside what its open jobs (queued, running) and open withdrawals (queued, pending, sent) hold. */
  accounts: { account: string; availableMicro: bigint; escrowedMicro: bigint; withdrawingMicro: bigint; openJobsMicro: bigint; openWithdrawalsMicro: bigint }[];
  /**
   * Each miner's balance row, beside its receipts' prices: inside the acceptance window (neither
   * released nor refunded to a disputing client), released but neither claimed nor settled, and
   * claimed but not settled.
   */
  miners: { minerId: string; heldMicro: bigint; earnedMicro: bigint; claimedMicro: bigint; heldReceiptsMicro: bigint; unclaimedReceiptsMicro: bigint; claimedReceiptsMicro: bigint }[];
  /** Every job, with how many movements of each kind name it and what its payouts paid miners. */
  jobs: JobBooks[];
  /** Every receipt put in a settlement batch or settled, with how many settle movements name it. */
  settlementReceipts: { receiptId: string; settled: boolean; settles: number }[];
}

export interface JobBooks {
  jobId: string;
  status: JobStatus;
  priceMicro: bigint | null;
  escrows: number;
  payouts: number;
  refunds: number;
  /** What its payouts put in miners' `held:` (or, in books from before the acceptance window, `earned:`) buckets. */
  paidMicro: bigint;
  /** The payout went to `held:` (books from before the acceptance window paid `earned:` directly and release nothing). */
  heldPayout: boolean;
  releases: number;
  disputeRefunds: number;
  /** Its receipt was released from the window, or refunded to the client by an upheld dispute. */
  released: boolean;
  refunded: boolean;
  /** A dispute waits for its verdict: the earnings stay held. */
  disputeOpen: boolean;
}

export interface LedgerAudit {
  ok: boolean;
  problems: string[];
  totals: { credited: bigint; available: bigint; escrowed: bigint; held: bigint; earned: bigint; claimed: bigint; withdrawing: bigint };
  /** What the balances hold minus what came in, in µAIT: 0 when no money was created or lost. */
  imbalanceMicro: bigint;
  jobs: number;
}

const fmt = (micro: bigint) => `${formatAmount(micro)} AITBC`;

/**
 * Proves the book: movements balance, balances equal the ledger, money held equals money that
 * came in, escrow equals open jobs, each job escrowed once and paid or refunded once, miners'
 * balances equal their receipts, money set aside for withdrawals equals the open withdrawals, and
 * each settled receipt left the books once; held earnings equal the receipts inside their window,
 * each released or refunded once and neither while disputed.
 */
export function auditLedger(snapshot: LedgerSnapshot): LedgerAudit {
  const problems: string[] = [];

  for (const movement of snapshot.unbalancedMovements) {
    if (movement.sumMicro !== 0n) problems.push(`movement ${movement.movementId} does not balance (sums to ${fmt(movement.sumMicro)})`);
  }

  // Balances equal the ledger, bucket by bucket; a bucket with money and no balance row is a problem too.
  const unmatched = new Map(snapshot.bucketSums);
  const totals = { credited: -(unmatched.get(bucket.external) ?? 0n), available: 0n, escrowed: 0n, held: 0n, earned: 0n, claimed: 0n, withdrawing: 0n };
  unmatched.delete(bucket.external);
  const compare = (name: string, storedMicro: bigint) => {
    const bookedMicro = unmatched.get(name) ?? 0n;
    if (bookedMicro !== storedMicro) problems.push(`${name} holds ${fmt(storedMicro)} but the ledger says ${fmt(bookedMicro)}`);
    unmatched.delete(name);
  };
  for (const row of snapshot.accounts) {
    compare(bucket.available(row.account), row.availableMicro);
    compare(bucket.escrowed(row.account), row.escrowedMicro);
    compare(bucket.withdrawing(row.account), row.withdrawingMicro);
    totals.available += row.availableMicro;
    totals.escrowed += row.escrowedMicro;
    totals.withdrawing += row.withdrawingMicro;
  }
  for (const row of snapshot.miners) {
    compare(bucket.held(row.minerId), row.heldMicro);
    compare(bucket.earned(row.minerId), row.earnedMicro);
    compare(bucket.claimed(row.minerId), row.claimedMicro);
    totals.held += row.heldMicro;
    totals.earned += row.earnedMicro;
    totals.claimed += row.claimedMicro;
  }
  for (const [name, sumMicro] of unmatched) if (sumMicro !== 0n) problems.push(`ledger bucket ${name} holds ${fmt(sumMicro)} with no balance row`);
  const held = totals.available + totals.escrowed + totals.held + totals.earned + totals.claimed + totals.withdrawing;
  const imbalanceMicro = held - totals.credited;
  if (imbalanceMicro !== 0n) problems.push(`balances hold ${fmt(held)} but ${fmt(totals.credited)} came in: money was created or lost`);

  for (const row of snapshot.accounts) {
    if (row.escrowedMicro !== row.openJobsMicro) problems.push(`account ${row.account} has ${fmt(row.escrowedMicro)} escrowed but its open jobs hold ${fmt(row.openJobsMicro)}`);
  }

  // Per job: one escrow of max_price; open jobs nothing else; completed one payout of its price;
  // every other end one refund of everything.
  for (const job of snapshot.jobs) {
    const { escrows, payouts, refunds } = job;
    const open = job.status === 'queued' || job.status === 'running';
    if (escrows !== 1) problems.push(`job ${job.jobId} was escrowed ${escrows} times`);
    if (job.status === 'completed') {
      if (payouts !== 1 || refunds !== 0) problems.push(`completed job ${job.jobId} has ${payouts} payouts and ${refunds} refunds`);
      else if (job.paidMicro !== (job.priceMicro ?? 0n)) problems.push(`job ${job.jobId} paid ${fmt(job.paidMicro)} for a price of ${fmt(job.priceMicro ?? 0n)}`);
    } else if (open ? payouts + refunds !== 0 : payouts !== 0 || refunds !== 1) {
      problems.push(`${job.status} job ${job.jobId} has ${payouts} payouts and ${refunds} refunds`);
    }
    // Held earnings leave the window once: released to the miner or refunded to the client, and
    // never while a dispute is open.
    const releasesExpected = job.released && job.heldPayout ? 1 : 0;
    const refundsExpected = job.refunded ? 1 : 0;
    if (job.released && job.refunded) problems.push(`job ${job.jobId} was both released to its miner and refunded to its client`);
    if (job.releases !== releasesExpected || job.disputeRefunds !== refundsExpected) {
      problems.push(`job ${job.jobId} has ${job.releases} releases and ${job.disputeRefunds} dispute refunds (expected ${releasesExpected} and ${refundsExpected})`);
    }
    if (job.disputeOpen && (job.released || job.refunded)) problems.push(`job ${job.jobId} left its window while its dispute is open`);
  }

  for (const row of snapshot.miners) {
    if (row.heldMicro !== row.heldReceiptsMicro) problems.push(`miner ${row.minerId} has ${fmt(row.heldMicro)} held but its receipts inside their window say ${fmt(row.heldReceiptsMicro)}`);
    if (row.earnedMicro !== row.unclaimedReceiptsMicro || row.claimedMicro !== row.claimedReceiptsMicro) {
      problems.push(`miner ${row.minerId} has earned ${fmt(row.earnedMicro)} / claimed ${fmt(row.claimedMicro)} but its receipts say ${fmt(row.unclaimedReceiptsMicro)} / ${fmt(row.claimedReceiptsMicro)}`);
    }
  }

  // Chain: money set aside for withdrawals equals the open withdrawals; each settled receipt left the books once.
  for (const row of snapshot.accounts) {
    if (row.withdrawingMicro !== row.openWithdrawalsMicro) problems.push(`account ${row.account} has ${fmt(row.withdrawingMicro)} withdrawing but its open withdrawals hold ${fmt(row.openWithdrawalsMicro)}`);
  }
  for (const receipt of snapshot.settlementReceipts) {
    const expected = receipt.settled ? 1 : 0;
    if (receipt.settles !== expected) problems.push(`receipt ${receipt.receiptId} left the books ${receipt.settles} times on settlement (expected ${expected})`);
  }

  return { ok: problems.length === 0, problems, totals, imbalanceMicro, jobs: snapshot.jobs.length };
}

