// The ledger audit over snapshots built by hand: sound books pass with exact totals, and each
// kind of problem the audit exists to find is found, said in words, and nothing else is reported.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { auditLedger, type JobBooks, type LedgerSnapshot } from './audit.ts';
import * as movements from './movements.ts';

const M = 1_000_000n; // µAIT per AITBC

/** A job's books: an open or refunded job, or a completed one released from its window. */
const jobBooks = (job: Pick<JobBooks, 'jobId' | 'status'> & Partial<JobBooks>): JobBooks => {
  const completed = job.status === 'completed';
  return {
    priceMicro: null, escrows: 1, payouts: completed ? 1 : 0, refunds: 0, paidMicro: 0n, heldPayout: completed,
    releases: completed ? 1 : 0, disputeRefunds: 0, released: completed, refunded: false, disputeOpen: false, ...job,
  };
};

/**
 * Sound books: alice was credited 10; job-1 (max 1) paid miner-1 0.4, job-4 (max 1) paid miner-1
 * 0.3 which miner-1 claimed, job-5 (max 1) paid miner-2 0.2 which settled on chain, each released
 * from its window; job-6 (max 1) paid miner-2 0.1, held while alice disputes it; job-7 (max 1)
 * paid miner-2 0.05, refunded to alice by an upheld dispute; job-2 (max 2) runs; job-3 (max 0.5)
 * was cancelled; alice asked to withdraw 1.
 */
function sound(): LedgerSnapshot {
  return {
    unbalancedMovements: [],
    bucketSums: new Map([
      ['external', -10n * M + 200_000n],
      ['available:alice', 6_000_000n],
      ['escrowed:alice', 2n * M],
      ['withdrawing:alice', 1n * M],
      ['held:miner-1', 0n],
      ['earned:miner-1', 400_000n],
      ['claimed:miner-1', 300_000n],
      ['held:miner-2', 100_000n],
      ['earned:miner-2', 0n],
    ]),
    accounts: [{ account: 'alice', availableMicro: 6_000_000n, escrowedMicro: 2n * M, withdrawingMicro: 1n * M, openJobsMicro: 2n * M, openWithdrawalsMicro: 1n * M }],
    miners: [
      { minerId: 'miner-1', heldMicro: 0n, earnedMicro: 400_000n, claimedMicro: 300_000n, heldReceiptsMicro: 0n, unclaimedReceiptsMicro: 400_000n, claimedReceiptsMicro: 300_000n },
      { minerId: 'miner-2', heldMicro: 100_000n, earnedMicro: 0n, claimedMicro: 0n, heldReceiptsMicro: 100_000n, unclaimedReceiptsMicro: 0n, claimedReceiptsMicro: 0n },
    ],
    jobs: [
      jobBooks({ jobId: 'job-1', status: 'completed', priceMicro: 400_000n, paidMicro: 400_000n }),
      jobBooks({ jobId: 'job-2', status: 'running' }),
      jobBooks({ jobId: 'job-3', status: 'cancelled', refunds: 1 }),
      jobBooks({ jobId: 'job-4', status: 'completed', priceMicro: 300_000n, paidMicro: 300_000n }),
      jobBooks({ jobId: 'job-5', status: 'completed', priceMicro: 200_000n, paidMicro: 200_000n }),
      jobBooks({ jobId: 'job-6', status: 'completed', priceMicro: 100_000n, paidMicro: 100_000n, releases: 0, released: false, disputeOpen: true }),
      jobBooks({ jobId: 'job-7', status: 'completed', priceMicro: 50_000n, paidMicro: 50_000n, releases: 0, released: false, disputeRefunds: 1, refunded: true }),
    ],
    settlementReceipts: [
      { receiptId: 'rcpt-5', settled: true, settles: 1 },
      { receiptId: 'rcpt-4', settled: false, settles: 0 },
    ],
  };
}

/** The problems the audit finds in the sound books after `spoil` changed them. */
function problemsAfter(spoil: (books: LedgerSnapshot) => void): string[] {
  const books = sound();
  spoil(books);
  const audit = auditLedger(books);
  assert.equal(audit.ok, audit.problems.length === 0);
  return audit.problems;
}

test('sound books pass, with totals that add up', () => {
  assert.deepEqual(auditLedger(sound()), {
    ok: true,
    problems: [],
    jobs: 7,
    totals: { credited: 9_800_000n, available: 6_000_000n, escrowed: 2n * M, held: 100_000n, earned: 400_000n, claimed: 300_000n, withdrawing: 1n * M },
    imbalanceMicro: 0n,
  });
});

test('the hand-built books are what the money rules write for that story', () => {
  const job = (jobId: string, maxPriceMicro: bigint) => ({ jobId, account: 'alice', maxPriceMicro });
  const receipt = (n: number, minerId: string, priceMicro: bigint) => ({ receiptId: `rcpt-${n}`, jobId: `job-${n}`, minerId, priceMicro });
  const story = [
    movements.credit('alice', 10n * M),
    movements.escrow(job('job-1', M)), movements.payout(job('job-1', M), receipt(1, 'miner-1', 400_000n)), movements.release(receipt(1, 'miner-1', 400_000n)),
    movements.escrow(job('job-2', 2n * M)),
    movements.escrow(job('job-3', 500_000n)), movements.refund(job('job-3', 500_000n)),
    movements.escrow(job('job-4', M)), movements.payout(job('job-4', M), receipt(4, 'miner-1', 300_000n)), movements.release(receipt(4, 'miner-1', 300_000n)), movements.claim(receipt(4, 'miner-1', 300_000n)),
    movements.escrow(job('job-5', M)), movements.payout(job('job-5', M), receipt(5, 'miner-2', 200_000n)), movements.release(receipt(5, 'miner-2', 200_000n)),
    movements.settle({ ...receipt(5, 'miner-2', 200_000n), claimed: false }),
    movements.escrow(job('job-6', M)), movements.payout(job('job-6', M), receipt(6, 'miner-2', 100_000n)),
    movements.escrow(job('job-7', M)), movements.payout(job('job-7', M), receipt(7, 'miner-2', 50_000n)), movements.disputeRefund({ ...receipt(7, 'miner-2', 50_000n), account: 'alice' }),
    movements.withdraw('alice', M),
  ];
  const sums = new Map<string, bigint>();
  for (const leg of story.flatMap((movement) => movement.legs)) sums.set(leg.bucket, (sums.get(leg.bucket) ?? 0n) + leg.amount);
  assert.deepEqual(sums, sound().bucketSums);
});

test('a movement that does not balance', () => {
  assert.deepEqual(problemsAfter((books) => books.unbalancedMovements.push({ movementId: 'mv-1', sumMicro: 1n })), ['movement mv-1 does not balance (sums to 0.000001 AITBC)']);
});

test('a balance that differs from its ledger bucket', () => {
  assert.deepEqual(
    problemsAfter((books) => (books.miners[0]!.claimedMicro += 1n)),
    [
      'claimed:miner-1 holds 0.300001 AITBC but the ledger says 0.3 AITBC',
      'balances hold 9.800001 AITBC but 9.8 AITBC came in: money was created or lost',
      'miner miner-1 has earned 0.4 AITBC / claimed 0.300001 AITBC but its receipts say 0.4 AITBC / 0.3 AITBC',
    ],
  );
});

test('money created inside the books, with ledger and balance agreeing', () => {
  const books = sound();
  books.bucketSums.set('available:alice', 7_000_000n);
  books.accounts[0]!.availableMicro = 7_000_000n;
  const audit = auditLedger(books);
  assert.deepEqual(audit.problems, ['balances hold 10.8 AITBC but 9.8 AITBC came in: money was created or lost']);
  assert.equal(audit.imbalanceMicro, 1_000_000n, 'the imbalance GET /metrics reports');
});

test('money in a ledger bucket that has no balance row', () => {
  assert.deepEqual(
    problemsAfter((books) => {
      books.bucketSums.set('earned:ghost', 5n);
      books.bucketSums.set('available:nobody', 0n); // an emptied bucket is no problem
    }),
    ['ledger bucket earned:ghost holds 0.000005 AITBC with no balance row'],
  );
});

test('escrow that differs from what the open jobs hold', () => {
  assert.deepEqual(problemsAfter((books) => (books.accounts[0]!.openJobsMicro = 1_500_000n)), ['account alice has 2 AITBC escrowed but its open jobs hold 1.5 AITBC']);
});

test('a job escrowed twice, or never', () => {
  assert.deepEqual(
    problemsAfter((books) => {
      books.jobs[1]!.escrows = 2;
      books.jobs[2]!.escrows = 0;
    }),
    ['job job-2 was escrowed 2 times', 'job job-3 was escrowed 0 times'],
  );
});

test('a completed job paid twice, or refunded', () => {
  assert.deepEqual(
    problemsAfter((books) => {
      books.jobs[0]!.payouts = 2;
      books.jobs[3]!.refunds = 1;
    }),
    ['completed job job-1 has 2 payouts and 0 refunds', 'completed job job-4 has 1 payouts and 1 refunds'],
  );
});

test('a completed job whose payout differs from its price', () => {
  assert.deepEqual(problemsAfter((books) => (books.jobs[0]!.paidMicro = 300_000n)), ['job job-1 paid 0.3 AITBC for a price of 0.4 AITBC']);
});

test('an open job already refunded or paid', () => {
  assert.deepEqual(
    problemsAfter((books) => {
      books.jobs[1]!.refunds = 1;
      books.jobs.push(jobBooks({ jobId: 'job-8', status: 'queued', payouts: 1 }));
    }),
    ['running job job-2 has 0 payouts and 1 refunds', 'queued job job-8 has 1 payouts and 0 refunds'],
  );
});

test('an ended job never refunded, refunded twice, or paid', () => {
  assert.deepEqual(
    problemsAfter((books) => {
      books.jobs[2]!.refunds = 0;
      books.jobs.push(jobBooks({ jobId: 'job-8', status: 'expired', refunds: 2 }));
      books.jobs.push(jobBooks({ jobId: 'job-9', status: 'failed', payouts: 1, refunds: 1 }));
    }),
    ['cancelled job job-3 has 0 payouts and 0 refunds', 'expired job job-8 has 0 payouts and 2 refunds', 'failed job job-9 has 1 payouts and 1 refunds'],
  );
});

test("a miner's balances that differ from its receipts", () => {
  assert.deepEqual(
    problemsAfter((books) => (books.miners[0]!.unclaimedReceiptsMicro = 500_000n)),
    ['miner miner-1 has earned 0.4 AITBC / claimed 0.3 AITBC but its receipts say 0.5 AITBC / 0.3 AITBC'],
  );
  assert.deepEqual(
    problemsAfter((books) => (books.miners[1]!.claimedReceiptsMicro = 200_000n)),
    ['miner miner-2 has earned 0 AITBC / claimed 0 AITBC but its receipts say 0 AITBC / 0.2 AITBC'],
  );
});

test('held earnings that differ from the receipts inside their window', () => {
  assert.deepEqual(problemsAfter((books) => (books.miners[1]!.heldReceiptsMicro = 0n)), ['miner miner-2 has 0.1 AITBC held but its receipts inside their window say 0 AITBC']);
});

test('a job released twice, released and refunded, or released while disputed', () => {
  assert.deepEqual(problemsAfter((books) => (books.jobs[0]!.releases = 2)), ['job job-1 has 2 releases and 0 dispute refunds (expected 1 and 0)']);
  assert.deepEqual(
    problemsAfter((books) => Object.assign(books.jobs[6]!, { released: true, releases: 1 })),
    ['job job-7 was both released to its miner and refunded to its client'],
  );
  assert.deepEqual(
    problemsAfter((books) => Object.assign(books.jobs[5]!, { released: true, releases: 1 })),
    ['job job-6 left its window while its dispute is open'],
  );
  assert.deepEqual(
    problemsAfter((books) => Object.assign(books.jobs[0]!, { heldPayout: false })),
    ['job job-1 has 1 releases and 0 dispute refunds (expected 0 and 0)'],
    'books from before the window paid earned directly and release nothing',
  );
});

test('money set aside for withdrawals that differs from the open withdrawals', () => {
  assert.deepEqual(problemsAfter((books) => (books.accounts[0]!.openWithdrawalsMicro = 0n)), ['account alice has 1 AITBC withdrawing but its open withdrawals hold 0 AITBC']);
});

test('a receipt that left the books twice on settlement, or before it settled', () => {
  assert.deepEqual(
    problemsAfter((books) => {
      books.settlementReceipts[0]!.settles = 2;
      books.settlementReceipts[1]!.settles = 1;
    }),
    ['receipt rcpt-5 left the books 2 times on settlement (expected 1)', 'receipt rcpt-4 left the books 1 times on settlement (expected 0)'],
  );
  assert.deepEqual(problemsAfter((books) => (books.settlementReceipts[0]!.settles = 0)), ['receipt rcpt-5 left the books 0 times on settlement (expected 1)']);
});

test('figures past 2^63 are checked and totalled exactly', () => {
  const huge = 2n ** 64n + 1n;
  const audit = auditLedger({
    ...sound(),
    bucketSums: new Map([...sound().bucketSums, ['external', -10n * M + 200_000n - huge], ['available:alice', 6_000_000n + huge]]),
    accounts: [{ ...sound().accounts[0]!, availableMicro: 6_000_000n + huge }],
  });
  assert.deepEqual(audit.problems, []);
  assert.equal(audit.totals.credited, 9_800_000n + huge);
  assert.equal(auditLedger({ ...sound(), accounts: [{ ...sound().accounts[0]!, availableMicro: 6_000_000n + 2n ** 64n }] }).ok, false, 'one µAIT off at 2^64 is seen');
});
