// The web pages' reads (src/store/contract/dashboards.ts): receipt lists narrowed by account,
// miner and owner key and paged newest first, with their settlement; a miner's earnings by UTC
// day and model and its payouts; an account's spend by day; market activity; a key's submits today.

import assert from 'node:assert/strict';
import type { ConformanceArea } from './case.ts';
import { funded, HOUR, M, miner, newJob, NOW, ranJob, registered, submitted } from './fixtures.ts';

/** NOW is 2023-11-14T22:13:20Z: two hours later is the next UTC day. */
const NEXT_DAY = NOW + 2 * HOUR;
const job = (jobId: string, at: number, extra: Parameters<typeof newJob>[1] = {}) => newJob(jobId, { createdAt: at, deadline: at + HOUR, ...extra });

export const dashboardCases: ConformanceArea = {
  area: 'dashboards',
  cases: [
    {
      name: 'listReceipts: newest first, narrowed by account, miner and owner key, paged by keyset; a settled receipt shows its settlement',
      async run({ store }) {
        await funded(store, 'alice', 10n * M);
        await funded(store, 'bob', 10n * M);
        await registered(store, miner('gpu-1'));
        await registered(store, miner('gpu-2', { ownerKeyId: 'key-gpu-1' }));
        await registered(store, miner('gpu-3'));
        await ranJob(store, job('j1', NOW), 'gpu-1', 100n, NOW);
        await ranJob(store, job('j2', NOW + 1, { account: 'bob' }), 'gpu-2', 200n, NOW + 1);
        await ranJob(store, job('j3', NOW + 2), 'gpu-3', 300n, NOW + 2);
        await ranJob(store, job('j4', NOW + 3, { account: 'bob' }), 'gpu-1', 400n, NOW + 3);

        const ids = (page: { items: { receiptId: string }[] }) => page.items.map((item) => item.receiptId);
        const all = await store.listReceipts({ account: null, minerId: null, ownerKeyId: null, limit: 10, after: null });
        assert.deepEqual(ids(all), ['rcpt-j4', 'rcpt-j3', 'rcpt-j2', 'rcpt-j1']);
        assert.equal(all.next, null);
        assert.deepEqual(ids(await store.listReceipts({ account: 'alice', minerId: null, ownerKeyId: null, limit: 10, after: null })), ['rcpt-j3', 'rcpt-j1']);
        assert.deepEqual(ids(await store.listReceipts({ account: null, minerId: 'gpu-1', ownerKeyId: null, limit: 10, after: null })), ['rcpt-j4', 'rcpt-j1']);
        assert.deepEqual(ids(await store.listReceipts({ account: null, minerId: null, ownerKeyId: 'key-gpu-1', limit: 10, after: null })), ['rcpt-j4', 'rcpt-j2', 'rcpt-j1']);
        assert.deepEqual(ids(await store.listReceipts({ account: 'bob', minerId: 'gpu-2', ownerKeyId: 'key-gpu-1', limit: 10, after: null })), ['rcpt-j2']);

        const first = await store.listReceipts({ account: null, minerId: null, ownerKeyId: null, limit: 3, after: null });
        assert.deepEqual(ids(first), ['rcpt-j4', 'rcpt-j3', 'rcpt-j2']);
        assert.deepEqual(first.next, { createdAt: NOW + 1, receiptId: 'rcpt-j2' });
        const second = await store.listReceipts({ account: null, minerId: null, ownerKeyId: null, limit: 3, after: first.next });
        assert.deepEqual(ids(second), ['rcpt-j1']);
        assert.equal(second.next, null);

        const batch = (await store.queueSettlement({ maxReceipts: 10, olderThan: NOW + 10 }, NOW + 10))!;
        await store.signOutbox(batch.outboxId, { nonce: 1, txHash: 'tx-settle', txJson: '{}' }, NOW + 11);
        await store.finalizeOutbox(batch.outboxId, 7, NOW + 12);
        const [settled] = (await store.listReceipts({ account: 'alice', minerId: 'gpu-1', ownerKeyId: null, limit: 1, after: null })).items;
        assert.deepEqual(settled, {
          receiptId: 'rcpt-j1',
          jobId: 'j1',
          minerId: 'gpu-1',
          account: 'alice',
          model: 'demo',
          priceMicro: 100n,
          units: 2,
          createdAt: NOW,
          releasedAt: NOW,
          claimedAt: null,
          settledAt: NOW + 12,
          refundedAt: null,
          settlement: { outboxId: batch.outboxId, state: 'final', txHash: 'tx-settle', blockHeight: 7 },
        });
      },
    },
    {
      name: "earningsByDay groups a miner's receipts by UTC day and model from `since`; minerPayouts gives its part of each settlement, newest first",
      async run({ store }) {
        await funded(store, 'alice', 10n * M);
        await registered(store, miner('gpu-1', { prices: new Map([['demo', 1n], ['big', 2n]]) }));
        await registered(store, miner('gpu-2'));
        await ranJob(store, job('old', NOW - 3 * 24 * HOUR), 'gpu-1', 1_000n, NOW - 3 * 24 * HOUR);
        await ranJob(store, job('a', NOW), 'gpu-1', 100n, NOW);
        await ranJob(store, job('b', NOW + 1), 'gpu-1', 200n, NOW + 1);
        await ranJob(store, job('c', NOW + 2, { model: 'big' }), 'gpu-1', 300n, NOW + 2);
        await ranJob(store, job('d', NEXT_DAY), 'gpu-1', 400n, NEXT_DAY);
        await ranJob(store, job('other', NOW), 'gpu-2', 999n, NOW);
        assert.deepEqual(await store.earningsByDay('gpu-1', NOW - 24 * HOUR), [
          { day: '2023-11-14', model: 'big', jobs: 1, units: 2, earnedMicro: 300n },
          { day: '2023-11-14', model: 'demo', jobs: 2, units: 4, earnedMicro: 300n },
          { day: '2023-11-15', model: 'demo', jobs: 1, units: 2, earnedMicro: 400n },
        ]);
        assert.deepEqual(await store.earningsByDay('nobody', 0), []);

        assert.deepEqual(await store.minerPayouts('gpu-1', 10), [], 'nothing batched yet');
        const first = (await store.queueSettlement({ maxReceipts: 3, olderThan: NEXT_DAY + 1 }, NEXT_DAY + 1))!;
        await store.signOutbox(first.outboxId, { nonce: 1, txHash: 'tx-1', txJson: '{}' }, NEXT_DAY + 2);
        await store.finalizeOutbox(first.outboxId, 5, NEXT_DAY + 3);
        const second = (await store.queueSettlement({ maxReceipts: 10, olderThan: NEXT_DAY + 4 }, NEXT_DAY + 4))!;
        const payouts = await store.minerPayouts('gpu-1', 10);
        assert.deepEqual(
          payouts.map((payout) => [payout.outboxId, payout.state, payout.txHash, payout.blockHeight]),
          [
            [second.outboxId, 'queued', null, null],
            [first.outboxId, 'final', 'tx-1', 5],
          ],
        );
        // Both batches together paid gpu-1 everything it earned, and none of gpu-2's.
        assert.equal(payouts.reduce((sum, payout) => sum + payout.amountMicro, 0n), 2_000n);
        assert.equal(payouts.reduce((sum, payout) => sum + payout.receipts, 0), 5);
        assert.equal((await store.minerPayouts('gpu-1', 1)).length, 1, 'limit');
      },
    },
    {
      name: "spendByDay sums an account's completed jobs by UTC day of completion from `since`; open and other accounts' jobs are left out",
      async run({ store }) {
        await funded(store, 'alice', 10n * M);
        await funded(store, 'bob', 10n * M);
        await registered(store, miner('gpu-1'));
        await ranJob(store, job('a', NOW), 'gpu-1', 100n, NOW);
        await ranJob(store, job('b', NOW + 1), 'gpu-1', 250n, NOW + 1);
        await ranJob(store, job('c', NEXT_DAY), 'gpu-1', 400n, NEXT_DAY);
        await ranJob(store, job('bobs', NOW, { account: 'bob' }), 'gpu-1', 999n, NOW);
        await submitted(store, job('queued', NOW));
        assert.deepEqual(await store.spendByDay('alice', NOW - HOUR), [
          { day: '2023-11-14', jobs: 2, spentMicro: 350n },
          { day: '2023-11-15', jobs: 1, spentMicro: 400n },
        ]);
        assert.deepEqual(await store.spendByDay('alice', NEXT_DAY), [{ day: '2023-11-15', jobs: 1, spentMicro: 400n }]);
        assert.deepEqual(await store.spendByDay('carol', 0), []);
      },
    },
    {
      name: 'marketActivity counts queued jobs per model and completions since each time; keySubmits reads the quota count; offers carry the highest price',
      async run({ store }) {
        await funded(store, 'alice', 10n * M);
        await registered(store, miner('gpu-1', { prices: new Map([['demo', 3n]]) }));
        await registered(store, miner('gpu-2', { prices: new Map([['demo', 7n]]) }));
        await ranJob(store, job('early', NOW - HOUR), 'gpu-1', 100n, NOW - HOUR);
        await ranJob(store, job('late', NOW), 'gpu-1', 100n, NOW);
        await submitted(store, job('q1', NOW));
        await submitted(store, job('q2', NOW));
        await submitted(store, job('q3', NOW, { model: 'big' }));
        const activity = await store.marketActivity([NOW - 10 * 60_000, NOW - 2 * HOUR]);
        assert.deepEqual([...activity.queuedByModel].sort(), [['big', 1], ['demo', 2]]);
        assert.deepEqual(activity.completedSince, [1, 2]);

        const quota = { keyId: 'key-a', day: '2023-11-14', limit: 10 };
        assert.equal(await store.keySubmits('key-a', '2023-11-14'), 0);
        assert.equal((await store.submitJob(job('k1', NOW), null, quota)).kind, 'created');
        assert.equal((await store.submitJob(job('k2', NOW), null, quota)).kind, 'created');
        assert.equal(await store.keySubmits('key-a', '2023-11-14'), 2);
        assert.equal(await store.keySubmits('key-a', '2023-11-15'), 0);

        const [offer] = await store.modelOffers(NOW - HOUR);
        assert.deepEqual([offer!.minPriceMicro, offer!.maxPriceMicro], [3n, 7n]);
      },
    },
  ],
};
