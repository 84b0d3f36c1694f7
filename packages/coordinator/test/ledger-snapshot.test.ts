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
  const submit = (jobId: string, maxPriceMicro: bigint) =>
    store.submitJob({ jobId, account: 'alice', model: 'demo', prompt: 'p', params: {}, maxPriceMicro, minUnits: 1, pinnedMinerId: null, createdAt: NOW, deadline: NOW + 3_600_000 }, null, null);
  const run = async (jobId: string, priceMicro: bigint) => {
    const claimed = await store.claimJob(jobId, { minerId: 'gpu-1', now: NOW, leaseMs: 60_000, nonce: `nonce-${jobId}`, probationJobs: 0, trusted: false });
    assert.equal(claimed.kind, 'claimed');
    const done = await store.completeJob({
      jobId, minerId: 'gpu-1', claimNonce: `nonce-${jobId}`, output: 'o', promptTokens: 1, completionTokens: 1, priceMicro, receipt: receipt(`rcpt-${jobId}`), minerPublicKey: 'pk', now: NOW,
    });
    assert.equal(done.kind, 'done');
  };
  for (const [jobId, max] of [['job-1', M], ['job-2', 2n * M], ['job-3', M / 2n], ['job-4', M]] as const) assert.equal((await submit(jobId, max)).kind, 'created');
  await run('job-1', 400_000n);
  assert.equal((await store.cancelJob('job-3', 'alice', NOW)).kind, 'done');
  await run('job-4', 300_000n);
  assert.equal((await store.claimReceipt('rcpt-job-1', NOW)).kind, 'claimed');
  assert.equal((await store.requestWithdrawal({ account: 'alice', toAddress: 'addr', amountMicro: M }, NOW)).kind, 'queued');
  // rcpt-job-1 (the oldest) settles on chain; rcpt-job-4 waits.
  const batch = await store.queueSettlement({ maxReceipts: 1, olderThan: NOW + 1 }, NOW);
  assert.ok(batch);
  await store.signOutbox(batch.outboxId, { nonce: 1, txHash: 'tx-1', txJson: '{}' }, NOW);
  await store.finalizeOutbox(batch.outboxId, 7, NOW);
}

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
        ['earned:gpu-1', 300_000n],
        ['claimed:gpu-1', 0n],
      ]),
      accounts: [{ account: 'alice', availableMicro: 6_300_000n, escrowedMicro: 2n * M, withdrawingMicro: M, openJobsMicro: 2n * M, openWithdrawalsMicro: M }],
      miners: [{ minerId: 'gpu-1', earnedMicro: 300_000n, claimedMicro: 0n, unclaimedReceiptsMicro: 300_000n, claimedReceiptsMicro: 0n }],
      jobs: [
        { jobId: 'job-1', status: 'completed', priceMicro: 400_000n, escrows: 1, payouts: 1, refunds: 0, paidMicro: 400_000n },
        { jobId: 'job-2', status: 'queued', priceMicro: null, escrows: 1, payouts: 0, refunds: 0, paidMicro: 0n },
        { jobId: 'job-3', status: 'cancelled', priceMicro: null, escrows: 1, payouts: 0, refunds: 1, paidMicro: 0n },
        { jobId: 'job-4', status: 'completed', priceMicro: 300_000n, escrows: 1, payouts: 1, refunds: 0, paidMicro: 300_000n },
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
    assert.equal(snapshot.bucketSums.get('earned:gpu-1'), 300_005n);
    assert.deepEqual(snapshot.jobs.find((job) => job.jobId === 'job-1'), { jobId: 'job-1', status: 'completed', priceMicro: 400_000n, escrows: 1, payouts: 2, refunds: 0, paidMicro: 400_005n });
    assert.deepEqual(auditLedger(snapshot).problems, [
      'movement forged-1 does not balance (sums to 0.000005 AITBC)',
      'earned:gpu-1 holds 0.3 AITBC but the ledger says 0.300005 AITBC',
      'completed job job-1 has 2 payouts and 0 refunds',
    ]);
  } finally {
    await store.close();
  }
});
