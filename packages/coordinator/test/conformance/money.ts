// Money (src/store/contract/money.ts, receipts.ts, acceptance.ts): credits within the bound,
// balances, a miner's earnings through the acceptance window, receipt claims, disputes.

import assert from 'node:assert/strict';
import { MAX_AMOUNT_MICRO } from '@aitbc/protocol';
import type { ConformanceArea } from './case.ts';
import { funded, HOUR, M, miner, newJob, NOW, ranJob, registered } from './fixtures.ts';

const WINDOW = 60_000;

export const moneyCases: ConformanceArea = {
  area: 'money',
  cases: [
    {
      name: 'credit adds to available; an unknown account reads as zero',
      async run({ store }) {
        assert.deepEqual(await store.getAccount('nobody'), { account: 'nobody', availableMicro: 0n, escrowedMicro: 0n, withdrawingMicro: 0n });
        const first = await store.credit('alice', 3n * M, NOW);
        assert.deepEqual(first, { ok: true, balance: { account: 'alice', availableMicro: 3n * M, escrowedMicro: 0n, withdrawingMicro: 0n } });
        await store.credit('alice', 1n, NOW);
        assert.equal((await store.getAccount('alice')).availableMicro, 3n * M + 1n);
      },
    },
    {
      name: 'credit up to MAX_AMOUNT_MICRO held in the books is taken; one µAIT more is refused with what is held',
      async run({ store }) {
        assert.equal((await store.credit('alice', MAX_AMOUNT_MICRO - 5n, NOW)).ok, true);
        assert.deepEqual(await store.credit('bob', 6n, NOW), { ok: false, heldMicro: MAX_AMOUNT_MICRO - 5n });
        assert.equal((await store.credit('bob', 5n, NOW)).ok, true);
        assert.equal((await store.getAccount('bob')).availableMicro, 5n);
        assert.equal((await store.getAccount('alice')).availableMicro, MAX_AMOUNT_MICRO - 5n, 'exact at the bound, no float rounding');
      },
    },
    {
      name: 'minerEarnings: held inside the window, earned once it ends (released on read), claimed by claimReceipt',
      async run({ store }) {
        await funded(store, 'alice', 10n * M);
        await registered(store, miner('gpu-1'));
        await ranJob(store, newJob('j1', { acceptanceWindowMs: WINDOW }), 'gpu-1', 300_000n);
        await ranJob(store, newJob('j2', { acceptanceWindowMs: WINDOW * 2 }), 'gpu-1', 200_000n);
        const inside = await store.minerEarnings('gpu-1', NOW + 1);
        assert.deepEqual(inside, { minerId: 'gpu-1', heldMicro: 500_000n, earnedMicro: 0n, claimedMicro: 0n, unclaimedReceipts: 2, settledMicro: 0n });
        assert.deepEqual(await store.claimReceipt('rcpt-j1', NOW + 1), { kind: 'held', acceptUntil: NOW + WINDOW, dispute: null });
        const after = await store.minerEarnings('gpu-1', NOW + WINDOW);
        assert.deepEqual([after.heldMicro, after.earnedMicro], [200_000n, 300_000n]);
        assert.deepEqual(await store.claimReceipt('rcpt-j1', NOW + WINDOW), { kind: 'claimed', amountMicro: 300_000n, claimedAt: NOW + WINDOW, settled: false });
        assert.deepEqual(await store.claimReceipt('rcpt-j1', NOW + WINDOW + 1), { kind: 'already_claimed', claimedAt: NOW + WINDOW });
        assert.deepEqual(await store.claimReceipt('nope', NOW), { kind: 'not_found' });
        // claimReceipt releases a receipt whose window ended by itself.
        assert.equal((await store.claimReceipt('rcpt-j2', NOW + 2 * WINDOW)).kind, 'claimed');
        const end = await store.minerEarnings('gpu-1', NOW + 2 * WINDOW);
        assert.deepEqual(end, { minerId: 'gpu-1', heldMicro: 0n, earnedMicro: 0n, claimedMicro: 500_000n, unclaimedReceipts: 0, settledMicro: 0n });
        assert.deepEqual(await store.minerEarnings('ghost', NOW), { minerId: 'ghost', heldMicro: 0n, earnedMicro: 0n, claimedMicro: 0n, unclaimedReceipts: 0, settledMicro: 0n });
      },
    },
    {
      name: 'releaseDue releases receipts whose window ended, up to the limit, each once',
      async run({ store }) {
        await funded(store, 'alice', 10n * M);
        await registered(store, miner('gpu-1'));
        for (const id of ['j1', 'j2', 'j3']) await ranJob(store, newJob(id, { acceptanceWindowMs: WINDOW }), 'gpu-1', 100n);
        await ranJob(store, newJob('later', { acceptanceWindowMs: HOUR }), 'gpu-1', 100n);
        assert.equal(await store.releaseDue(NOW + WINDOW - 1, 10), 0);
        assert.equal(await store.releaseDue(NOW + WINDOW, 2), 2);
        assert.equal(await store.releaseDue(NOW + WINDOW, 10), 1);
        assert.equal(await store.releaseDue(NOW + WINDOW, 10), 0);
        assert.equal(await store.disputableMicro('alice', NOW + WINDOW), 100n, 'only the job still inside its window');
      },
    },
    {
      name: 'getReceipt returns the stored receipt with its price as bigint; null when unknown',
      async run({ store }) {
        await funded(store, 'alice', 10n * M);
        await registered(store, miner('gpu-1'));
        await ranJob(store, newJob('j1'), 'gpu-1', 123n);
        const stored = await store.getReceipt('rcpt-j1');
        assert.deepEqual([stored?.receiptId, stored?.jobId, stored?.minerId, stored?.account, stored?.priceMicro, stored?.createdAt, stored?.claimedAt, stored?.settledAt], ['rcpt-j1', 'j1', 'gpu-1', 'alice', 123n, NOW, null, null]);
        assert.equal(await store.getReceipt('nope'), null);
      },
    },
    {
      name: 'openDispute inside the window queues the escrowed re-run and freezes the earnings; refused after the window, twice, or for another account',
      async run({ store }) {
        await funded(store, 'alice', 10n * M);
        await registered(store, miner('gpu-1'));
        await ranJob(store, newJob('j1', { acceptanceWindowMs: WINDOW }), 'gpu-1', 300_000n);
        await ranJob(store, newJob('j2', { acceptanceWindowMs: WINDOW }), 'gpu-1', 300_000n);
        const rerun = (id: string) => newJob(`${id}-rerun`, { createdAt: NOW + 10, purpose: 'reexecution', subjectJobId: id, excludedOwners: ['key-gpu-1'] });
        assert.deepEqual(await store.openDispute({ jobId: 'j1', account: 'mallory', reason: 'wrong', now: NOW + 10, rerun: rerun('j1') }), { kind: 'not_found' });
        const opened = await store.openDispute({ jobId: 'j1', account: 'alice', reason: 'wrong', now: NOW + 10, rerun: rerun('j1') });
        assert.equal(opened.kind, 'opened');
        if (opened.kind !== 'opened') return;
        assert.equal(opened.job.dispute?.state, 'open');
        assert.equal(opened.job.dispute?.reason, 'wrong');
        assert.equal(opened.rerun?.jobId, 'j1-rerun');
        assert.equal(opened.rerun?.status, 'queued');
        assert.equal((await store.getAccount('alice')).escrowedMicro, M, 'the re-run is escrowed from the client');
        assert.equal((await store.openDispute({ jobId: 'j1', account: 'alice', reason: 'again', now: NOW + 11, rerun: rerun('j1') })).kind, 'refused');
        assert.equal((await store.openDispute({ jobId: 'j2', account: 'alice', reason: 'late', now: NOW + WINDOW, rerun: rerun('j2') })).kind, 'refused');
        // Past the window, the disputed job's earnings stay held; the other's are released.
        const earnings = await store.minerEarnings('gpu-1', NOW + WINDOW);
        assert.deepEqual([earnings.heldMicro, earnings.earnedMicro], [300_000n, 300_000n]);
        assert.deepEqual(await store.claimReceipt('rcpt-j1', NOW + WINDOW), { kind: 'held', acceptUntil: NOW + WINDOW, dispute: 'open' });
      },
    },
  ],
};
