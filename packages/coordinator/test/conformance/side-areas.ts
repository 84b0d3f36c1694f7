// The smaller areas: settings (src/store/contract/settings.ts), single-owner duties (duties.ts), verification checks and the
// canary pool (verification.ts), and the chain outbox (chain.ts) from batch to final.

import assert from 'node:assert/strict';
import type { ConformanceArea } from './case.ts';
import { canary, DIGEST, funded, M, miner, newJob, NOW, ranJob, registered } from './fixtures.ts';

const settingsCases: ConformanceArea = {
  area: 'settings',
  cases: [
    {
      name: 'a setting round-trips as JSON, is replaced by a second put, reads null when unset; ping answers',
      async run({ store, database }) {
        assert.equal(await store.getSetting('verification'), null);
        await store.putSetting('verification', { rate: 0.1, models: ['demo'] });
        await store.putSetting('verification', { rate: 0.2, models: [] });
        const [other] = await database.stores(1);
        assert.deepEqual(await other!.getSetting('verification'), { rate: 0.2, models: [] }, 'shared by every connection');
        await store.ping();
      },
    },
  ],
};

const dutyCases: ConformanceArea = {
  area: 'duties',
  cases: [
    {
      name: 'a duty has one holder at a time across connections: renewed by it, taken by another only once expired or released',
      async run({ store, database }) {
        const [other] = await database.stores(1);
        assert.equal(await store.takeDuty('sweeper', 'proc-a', NOW, 10_000), true, 'free: taken');
        assert.equal(await other!.takeDuty('sweeper', 'proc-b', NOW + 1, 10_000), false, 'held by a: refused');
        assert.equal(await store.takeDuty('sweeper', 'proc-a', NOW + 9_000, 10_000), true, 'renewed by its holder');
        assert.equal(await other!.takeDuty('sweeper', 'proc-b', NOW + 18_999, 10_000), false, 'still inside the renewed lease');
        assert.equal(await other!.takeDuty('chain', 'proc-b', NOW, 10_000), true, 'another duty is separate');
        assert.equal(await other!.takeDuty('sweeper', 'proc-b', NOW + 19_000, 10_000), true, 'expired: taken over');
        assert.equal(await store.takeDuty('sweeper', 'proc-a', NOW + 19_001, 10_000), false, 'the old holder lost it');
        await store.releaseDuty('sweeper', 'proc-a'); // not its holder: changes nothing
        assert.equal(await store.takeDuty('sweeper', 'proc-a', NOW + 19_002, 10_000), false);
        await other!.releaseDuty('sweeper', 'proc-b');
        assert.equal(await store.takeDuty('sweeper', 'proc-a', NOW + 19_003, 10_000), true, 'released: taken at once');
      },
    },
  ],
};

const verificationCases: ConformanceArea = {
  area: 'verification',
  cases: [
    {
      name: 'createCheck escrows the check job from its account and records the pending check; refused beyond the balance',
      async run({ store }) {
        await funded(store, 'verification', M);
        const job = newJob('check-1', { account: 'verification', purpose: 'canary', pinnedMinerId: 'gpu-1', maxPriceMicro: 600_000n });
        const created = await store.createCheck(job, { kind: 'canary', minerId: 'gpu-1', subjectJobId: null, canaryId: null });
        assert.equal(created.kind, 'created');
        if (created.kind !== 'created') return;
        assert.equal(created.job.purpose, 'canary');
        assert.deepEqual([created.check.kind, created.check.minerId, created.check.checkJobId, created.check.verdict], ['canary', 'gpu-1', 'check-1', null]);
        assert.deepEqual(await store.getCheck(created.check.checkId), created.check);
        assert.deepEqual(await store.checkForJob('check-1'), created.check);
        const { availableMicro, escrowedMicro } = await store.getAccount('verification');
        assert.deepEqual([availableMicro, escrowedMicro], [400_000n, 600_000n]);
        assert.deepEqual(await store.createCheck(newJob('check-2', { account: 'verification', maxPriceMicro: 600_000n }), { kind: 'canary', minerId: 'gpu-1', subjectJobId: null, canaryId: null }), { kind: 'insufficient_balance', availableMicro: 400_000n });
        assert.equal(await store.getJob('check-2'), null);
      },
    },
    {
      name: 'findCanary: an entry for the model and digest, never one made from the miner\'s own run; addCanary once per source job',
      async run({ store }) {
        await funded(store, 'alice', 10n * M);
        await registered(store, miner('gpu-1'));
        await ranJob(store, newJob('source'), 'gpu-1', 1n);
        assert.equal(await store.addCanary(canary('source')), true);
        assert.equal(await store.addCanary(canary('source')), false);
        const found = await store.findCanary({ model: 'demo', modelDigest: DIGEST, minerId: 'gpu-2' });
        assert.equal(found?.sourceJobId, 'source');
        assert.deepEqual(await store.getCanary(found!.canaryId), found);
        assert.equal(await store.findCanary({ model: 'demo', modelDigest: DIGEST, minerId: 'gpu-1' }), null, 'its own run');
        assert.equal(await store.findCanary({ model: 'demo', modelDigest: `sha256:${'b'.repeat(64)}`, minerId: 'gpu-2' }), null);
        assert.equal(await store.findCanary({ model: 'other', modelDigest: DIGEST, minerId: 'gpu-2' }), null);
      },
    },
  ],
};

const chainCases: ConformanceArea = {
  area: 'chain',
  cases: [
    {
      name: 'a settlement batch goes queued → pending → sent → final: its receipts are settled and leave the books',
      async run({ store }) {
        await funded(store, 'alice', 10n * M);
        await registered(store, miner('gpu-1'));
        await ranJob(store, newJob('j1'), 'gpu-1', 300_000n);
        await ranJob(store, newJob('j2'), 'gpu-1', 200_000n);
        // Made at NOW: younger than NOW - 1. (At olderThan = NOW exactly, "made before" in the contract and SQLite's "at or before" differ.)
        assert.equal(await store.queueSettlement({ maxReceipts: 5, olderThan: NOW - 1 }, NOW), null, 'too few and too young');
        const batch = await store.queueSettlement({ maxReceipts: 5, olderThan: NOW + 1 }, NOW + 1);
        assert.ok(batch);
        assert.deepEqual([batch.kind, batch.state, batch.receiptCount, batch.amountMicro], ['settle', 'queued', 2, 500_000n]);
        assert.deepEqual((await store.settlementReceipts(batch.outboxId)).map((r) => r.receiptId).sort(), ['rcpt-j1', 'rcpt-j2']);
        assert.equal(await store.queueSettlement({ maxReceipts: 5, olderThan: NOW + 2 }, NOW + 2), null, 'a receipt is batched once');
        assert.equal(await store.lastNonce(), null);
        await store.signOutbox(batch.outboxId, { nonce: 7, txHash: 'tx-7', txJson: '{}' }, NOW + 3);
        assert.deepEqual([(await store.getOutbox(batch.outboxId))?.state, await store.lastNonce()], ['pending', 7]);
        await store.markOutboxSent(batch.outboxId, NOW + 4);
        assert.equal((await store.getOutbox(batch.outboxId))?.state, 'sent');
        assert.deepEqual((await store.listOutbox(['sent'], 10)).map((row) => row.outboxId), [batch.outboxId]);
        await store.finalizeOutbox(batch.outboxId, 42, NOW + 5);
        const final = await store.getOutbox(batch.outboxId);
        assert.deepEqual([final?.state, final?.blockHeight, final?.txHash], ['final', 42, 'tx-7']);
        const earnings = await store.minerEarnings('gpu-1', NOW + 5);
        assert.deepEqual([earnings.earnedMicro, earnings.settledMicro, earnings.unclaimedReceipts], [0n, 500_000n, 0]);
        assert.equal((await store.getReceipt('rcpt-j1'))?.settledAt, NOW + 5);
      },
    },
    {
      name: 'a withdrawal sets the amount aside (refused beyond available); failed, it comes back; final, it leaves the books',
      async run({ store }) {
        await funded(store, 'alice', 3n * M);
        assert.deepEqual(await store.requestWithdrawal({ account: 'alice', toAddress: 'addr', amountMicro: 4n * M }, NOW), { kind: 'insufficient_balance', availableMicro: 3n * M });
        const first = await store.requestWithdrawal({ account: 'alice', toAddress: 'addr', amountMicro: M }, NOW);
        assert.equal(first.kind, 'queued');
        if (first.kind !== 'queued') return;
        assert.deepEqual([first.balance.availableMicro, first.balance.withdrawingMicro], [2n * M, M]);
        await store.failOutbox(first.withdrawal.outboxId, 'REFUSED', 'refused by the node', NOW + 1);
        assert.deepEqual([(await store.getOutbox(first.withdrawal.outboxId))?.state, (await store.getAccount('alice')).availableMicro], ['failed', 3n * M]);
        const second = await store.requestWithdrawal({ account: 'alice', toAddress: 'addr', amountMicro: 2n * M }, NOW + 2);
        assert.equal(second.kind, 'queued');
        if (second.kind !== 'queued') return;
        await store.signOutbox(second.withdrawal.outboxId, { nonce: 1, txHash: 'tx-1', txJson: '{}' }, NOW + 3);
        await store.finalizeOutbox(second.withdrawal.outboxId, 9, NOW + 4);
        assert.deepEqual(await store.getAccount('alice'), { account: 'alice', availableMicro: M, escrowedMicro: 0n, withdrawingMicro: 0n });
      },
    },
  ],
};

export const sideCases: ConformanceArea[] = [settingsCases, dutyCases, verificationCases, chainCases];
