// The SQLite engine's half of the ledger audit: after a story played through the store's own
// methods, the snapshot it reads holds exactly the figures the books must show (the audit itself
// is tested on hand-built snapshots in src/ledger/audit.test.ts); a row written around the money
// rules shows in the snapshot and the audit names it.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Receipt } from '@aitbc/protocol';
import { auditLedger, type LedgerSnapshot } from '../src/ledger/audit.ts';
import { SqliteStore } from '../src/store/sqlite/sqlite-store.ts';

const M = 1_000_000n;
const NOW = 1_700_000_000_000;

/** The store keeps a receipt's body as given; only its id matters to the books. */
const receipt = (receiptId: string) => ({ receipt_id: receiptId }) as unknown as Receipt;

async function playStory(store: SqliteStore): Promise<void> {
  await store.credit('alice', 10n * M, NOW);
  await store.registerMiner({ minerId: 'gpu-1', ownerKeyId: 'key-1', publicKey: 'pk', payoutAddress: 'addr', maxConcurrency: 4, gpu: null, prices: new Map([['demo', 1n]]) }, NOW);
  const submit = (jobId: string, maxPriceMicro: bigint, acceptanceWindowMs: number) =>
    store.submitJob({ jobId, account: 'alice', model: 'demo', kind: 'text' as const, prompt: 'p', requires: 1, params: {}, maxPriceMicro, minUnits: 1, pinnedMinerId: null, createdAt: NOW, deadline: NOW + 3_600_000, acceptanceWindowMs }, null, null);
  const run = async (jobId: string, priceMicro: bigint) => {
    const claimed = await store.claimJob(jobId, { minerId: 'gpu-1', now: NOW, leaseMs: 60_000, nonce: `nonce-${jobId}`, probationJobs: 0, trusted: false });
    assert.equal(claimed.kind, 'claimed');
    const done = await store.completeJob({
      jobId, minerId: 'gpu-1', claimNonce: `nonce-${jobId}`, output: 'o', outputData: null, promptTokens: 1, completionTokens: 1, priceMicro, receipt: receipt(`rcpt-${jobId}`), minerPublicKey: 'pk', now: NOW,
    });
    assert.equal(done.kind, 'done');
  };
  // job-4's client may dispute it for a minute: its earnings stay held.
  for (const [jobId, max, window] of [['job-1', M, 0], ['job-2', 2n * M, 0], ['job-3', M / 2n, 0], ['job-4', M, 60_000]] as const) assert.equal((await submit(jobId, max, window)).kind, 'created');
  await run('job-1', 400_000n);
  assert.equal((await store.cancelJob('job-3', 'alice', NOW)).kind, 'done');
  await run('job-4', 300_000n);
  assert.equal((await store.claimReceipt('rcpt-job-1', NOW)).kind, 'claimed');
  assert.equal((await store.requestWithdrawal({ account: 'alice', toAddress: 'addr', amountMicro: M }, NOW)).kind, 'queued');
  // rcpt-job-1 settles on chain; rcpt-job-4, held in its window, waits.
  const batch = await store.queueSettlement({ maxReceipts: 2, olderThan: NOW + 1 }, NOW);
  assert.equal(batch?.receiptCount, 1, 'a held receipt is not settled');
  assert.ok(batch);
  await store.signOutbox(batch.outboxId, { nonce: 1, txHash: 'tx-1', txJson: '{}' }, NOW);
  await store.finalizeOutbox(batch.outboxId, 7, NOW);
}

/** A job's books before any payout. */
const unwindowed = { priceMicro: null, escrows: 1, payouts: 0, refunds: 0, paidMicro: 0n, heldPayout: false, releases: 0, disputeRefunds: 0, released: false, refunded: false, disputeOpen: false };

/** Rows in a stable order: the engine promises the figures, not their order. */
function sorted(snapshot: LedgerSnapshot): LedgerSnapshot {
  return { ...snapshot, jobs: [...snapshot.jobs].sort((a, b) => a.jobId.localeCompare(b.jobId)) };
}

test('the snapshot holds exactly what the books must show after a story played through the store', async () => {
  const store = new SqliteStore({ path: ':memory:' });
  try {
    await playStory(store);
    assert.deepEqual(sorted(await store.ledgerSnapshot()), {
      unbalancedMovements: [],
      bucketSums: new Map([
        ['external', -10n * M + 400_000n],
        ['available:alice', 6_300_000n],
        ['escrowed:alice', 2n * M],
        ['withdrawing:alice', M],
        ['held:gpu-1', 300_000n],
        ['earned:gpu-1', 0n],
        ['claimed:gpu-1', 0n],
      ]),
      accounts: [{ account: 'alice', availableMicro: 6_300_000n, escrowedMicro: 2n * M, withdrawingMicro: M, openJobsMicro: 2n * M, openWithdrawalsMicro: M }],
      miners: [{ minerId: 'gpu-1', heldMicro: 300_000n, earnedMicro: 0n, claimedMicro: 0n, heldReceiptsMicro: 300_000n, unclaimedReceiptsMicro: 0n, claimedReceiptsMicro: 0n }],
      jobs: [
        { ...unwindowed, jobId: 'job-1', status: 'completed', priceMicro: 400_000n, payouts: 1, paidMicro: 400_000n, heldPayout: true, releases: 1, released: true },
        { ...unwindowed, jobId: 'job-2', status: 'queued' },
        { ...unwindowed, jobId: 'job-3', status: 'cancelled', refunds: 1 },
        { ...unwindowed, jobId: 'job-4', status: 'completed', priceMicro: 300_000n, payouts: 1, paidMicro: 300_000n, heldPayout: true },
      ],
      settlementReceipts: [{ receiptId: 'rcpt-job-1', settled: true, settles: 1 }],
    });
    assert.deepEqual((await store.auditLedger()).problems, []);
  } finally {
    await store.close();
  }
});

test('rows written around the money rules show in the snapshot, and the audit names them', async () => {
  const store = new SqliteStore({ path: ':memory:' });
  try {
    await playStory(store);
    // A half movement (money out of nowhere) and a second payout row for job-1.
    store.db.prepare('INSERT INTO ledger (movement_id, kind, bucket, amount, job_id, at) VALUES (?, ?, ?, ?, ?, ?)').run('forged-1', 'payout', 'earned:gpu-1', 5n, 'job-1', NOW);
    const snapshot = await store.ledgerSnapshot();
    assert.deepEqual(snapshot.unbalancedMovements, [{ movementId: 'forged-1', sumMicro: 5n }]);
    assert.equal(snapshot.bucketSums.get('earned:gpu-1'), 5n);
    assert.deepEqual(snapshot.jobs.find((job) => job.jobId === 'job-1'), {
      ...unwindowed, jobId: 'job-1', status: 'completed', priceMicro: 400_000n, payouts: 2, paidMicro: 400_005n, heldPayout: true, releases: 1, released: true,
    });
    assert.deepEqual(auditLedger(snapshot).problems, [
      'movement forged-1 does not balance (sums to 0.000005 AITBC)',
      'earned:gpu-1 holds 0 AITBC but the ledger says 0.000005 AITBC',
      'completed job job-1 has 2 payouts and 0 refunds',
    ]);
  } finally {
    await store.close();
  }
});
