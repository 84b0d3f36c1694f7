// The chain side beyond the happy path (src/store/contract/chain.ts): deposits matched once and
// within the bound, bonds as final blocks show them, a settlement split, retried or found a
// duplicate, slashes queued once — and the steps several coordinators may take at once: batching,
// recording the same deposits, slashing the same receipt, withdrawals racing submits on one balance.

import assert from 'node:assert/strict';
import { MAX_AMOUNT_MICRO } from '@aitbc/protocol';
import type { ChainDeposit, NewSlash } from '../../src/store/store.ts';
import type { ConformanceArea } from './case.ts';
import { funded, M, miner, newJob, NOW, ranJob, receipt, registered } from './fixtures.ts';

const deposit = (txHash: string, amountMicro: bigint, memo: string | null): ChainDeposit => ({ txHash, blockHeight: 5, fromAddress: 'addr-ext', amountMicro, memo });

const slash = (receiptId: string): NewSlash => ({
  receiptId,
  jobId: 'j1',
  minerId: 'gpu-1',
  minerKey: 'pk-gpu-1',
  checkId: 1,
  account: 'alice',
  evidence: { receipt: receipt(receiptId), references: [], reference_keys: {} },
});

export const chainStepCases: ConformanceArea = {
  area: 'chain steps',
  cases: [
    {
      name: 'recordDeposits credits a memo naming a known account once per tx hash, keeps the rest unmatched (unknown memo, past the bound) and moves the cursor',
      async run({ store }) {
        await funded(store, 'alice', 3n * M);
        assert.equal(await store.chainCursor(), 0);
        const scan = { nextHeight: 6, deposits: [deposit('tx-a', 2n * M, ' alice '), deposit('tx-b', M, 'nobody'), deposit('tx-c', 5n, null)] };
        assert.deepEqual(await store.recordDeposits(scan, NOW), { credited: 1, unmatched: 2 });
        assert.deepEqual(await store.recordDeposits({ ...scan, nextHeight: 7 }, NOW + 1), { credited: 0, unmatched: 0 }, 'seen before');
        assert.equal(await store.chainCursor(), 7);
        assert.equal((await store.getAccount('alice')).availableMicro, 5n * M);
        assert.deepEqual((await store.unmatchedDeposits(10)).map((row) => [row.txHash, row.amountMicro, row.account]), [['tx-b', M, null], ['tx-c', 5n, null]]);
        const snapshot = await store.chainBooks(10);
        assert.equal(snapshot.depositCursor, 7, 'the books say which blocks they have read');
        assert.deepEqual(snapshot.unmatchedDeposits.map((row) => row.txHash), ['tx-b', 'tx-c']);
        assert.deepEqual(snapshot.books, { availableMicro: 5n * M, escrowedMicro: 0n, unsettledEarningsMicro: 0n, pendingWithdrawalsMicro: 0n, unmatchedDepositsMicro: M + 5n, adminCreditsMicro: 3n * M });
        await funded(store, 'bob', MAX_AMOUNT_MICRO - 5n * M);
        assert.deepEqual(await store.recordDeposits({ nextHeight: 8, deposits: [deposit('tx-d', 1n, 'bob')] }, NOW + 2), { credited: 0, unmatched: 1 }, 'the books are full');
      },
    },
    {
      name: 'bond events move a key\'s bond; unbondings count until the final height reaches their release; a slash takes from the bond, then the soonest unbondings',
      async run({ store }) {
        await registered(store, miner('gpu-1'));
        assert.deepEqual(await store.minerBond('gpu-1'), { minerId: 'gpu-1', minerKey: 'pk-gpu-1', address: null, bondedMicro: 0n, unbondingMicro: 0n, counts: false });
        assert.equal(await store.minerBond('ghost'), null);
        await store.recordDeposits(
          {
            nextHeight: 5,
            deposits: [],
            bondEvents: [
              { kind: 'bond', minerKey: 'pk-gpu-1', address: 'addr-gpu-1', amountMicro: 5n * M, blockHeight: 1 },
              { kind: 'unbond', unbondingId: 'ub-1', minerKey: 'pk-gpu-1', address: 'addr-gpu-1', amountMicro: M, blockHeight: 2, releaseHeight: 10 },
              { kind: 'unbond', unbondingId: 'ub-2', minerKey: 'pk-gpu-1', address: 'addr-gpu-1', amountMicro: M, blockHeight: 3, releaseHeight: 20 },
              { kind: 'slash', minerKey: 'pk-gpu-1', fromBondMicro: M, fromUnbondingMicro: 1_500_000n, blockHeight: 4 },
            ],
          },
          NOW,
        );
        assert.deepEqual(await store.minerBond('gpu-1'), { minerId: 'gpu-1', minerKey: 'pk-gpu-1', address: 'addr-gpu-1', bondedMicro: 2n * M, unbondingMicro: 500_000n, counts: true });
        assert.equal(await store.slashableMicro('pk-gpu-1'), 2_500_000n);
        await store.recordDeposits({ nextHeight: 11, deposits: [] }, NOW + 1);
        assert.equal(await store.slashableMicro('pk-gpu-1'), 2_500_000n, 'ub-1 (emptied by the slash) released at 10, ub-2 still unbonding');
        await store.recordDeposits({ nextHeight: 21, deposits: [] }, NOW + 2);
        assert.equal(await store.slashableMicro('pk-gpu-1'), 2n * M);
        assert.equal(await store.slashableMicro('pk-nobody'), 0n);
      },
    },
    {
      name: 'a settlement refused for one receipt splits it off; a failed one is retried; one found a duplicate settles what is on chain and puts back the rest',
      async run({ store }) {
        await funded(store, 'alice', 10n * M);
        await registered(store, miner('gpu-1'));
        for (const [id, price] of [['j1', 100n], ['j2', 200n], ['j3', 300n]] as const) await ranJob(store, newJob(id), 'gpu-1', price);
        assert.equal(await store.oldestUnsettledReceiptAt(), NOW);
        const batch = (await store.queueSettlement({ maxReceipts: 3, olderThan: NOW + 1 }, NOW + 1))!;
        await store.signOutbox(batch.outboxId, { nonce: 1, txHash: 'tx-1', txJson: '{}' }, NOW + 2);
        const refusedId = await store.refuseSettlementReceipt(batch.outboxId, 'rcpt-j2', 'BAD_RECEIPT', 'refused', NOW + 3);
        assert.ok(refusedId);
        const back = await store.getOutbox(batch.outboxId);
        assert.deepEqual([back?.state, back?.nonce, back?.txHash, back?.amountMicro, back?.receiptCount], ['queued', null, null, 400n, 2]);
        const refused = await store.getOutbox(refusedId);
        assert.deepEqual([refused?.state, refused?.errorCode, refused?.amountMicro, refused?.receiptCount], ['failed', 'BAD_RECEIPT', 200n, 1]);
        assert.equal(await store.refuseSettlementReceipt(batch.outboxId, 'rcpt-j1', 'BAD_RECEIPT', 'refused', NOW + 3), null, 'queued: nothing to split');
        assert.equal(await store.retryFailedSettlement(batch.outboxId, NOW + 4), false, 'not failed');
        assert.equal(await store.retryFailedSettlement(refusedId, NOW + 4), true);
        const retry = (await store.queueSettlement({ maxReceipts: 3, olderThan: NOW + 5 }, NOW + 5))!;
        assert.deepEqual((await store.settlementReceipts(retry.outboxId)).map((row) => row.receiptId), ['rcpt-j2']);
        await store.signOutbox(batch.outboxId, { nonce: 2, txHash: 'tx-2', txJson: '{}' }, NOW + 6);
        await store.markOutboxSent(batch.outboxId, NOW + 6);
        await store.resolveDuplicate(batch.outboxId, ['rcpt-j1'], 'already on chain', NOW + 7);
        assert.deepEqual([(await store.getOutbox(batch.outboxId))?.state, (await store.getReceipt('rcpt-j1'))?.settledAt, (await store.getReceipt('rcpt-j3'))?.settledAt], ['duplicate', NOW + 7, null]);
        await store.signOutbox(retry.outboxId, { nonce: 3, txHash: 'tx-3', txJson: '{}' }, NOW + 8);
        await store.unsignOutbox(retry.outboxId, 'nonce taken', NOW + 9);
        const unsigned = await store.getOutbox(retry.outboxId);
        assert.deepEqual([unsigned?.state, unsigned?.nonce, unsigned?.error], ['queued', null, 'nonce taken']);
        assert.equal(await store.lastNonce(), null, 'no row signed that is or may be on chain');
        const third = (await store.queueSettlement({ maxReceipts: 3, olderThan: NOW + 10 }, NOW + 10))!;
        assert.deepEqual((await store.settlementReceipts(third.outboxId)).map((row) => row.receiptId), ['rcpt-j3'], 'put back to be batched again');
        const counts = (await store.outboxCounts()).map((row) => `${row.kind}/${row.state}:${row.count}`).sort();
        assert.deepEqual(counts, ['settle/duplicate:1', 'settle/failed:1', 'settle/queued:2']);
        assert.equal((await store.minerEarnings('gpu-1', NOW + 10)).settledMicro, 100n);
      },
    },
    {
      name: 'a receipt is slashed once, even when two connections queue it at once; final, the slash credits the harmed client',
      async run({ store, database }) {
        await funded(store, 'alice', 10n * M);
        await registered(store, miner('gpu-1'));
        await ranJob(store, newJob('j1'), 'gpu-1', 100n);
        const [a, b] = await database.stores(2);
        const queued = await Promise.all([a!.queueSlash(slash('rcpt-j1'), NOW), b!.queueSlash(slash('rcpt-j1'), NOW)]);
        assert.equal(queued.filter((row) => row !== null).length, 1);
        const row = queued.find((entry) => entry !== null)!;
        assert.deepEqual([row.kind, row.state, row.account, row.amountMicro], ['slash', 'queued', 'alice', 0n]);
        assert.equal(await store.queueSlash(slash('rcpt-j1'), NOW + 1), null);
        assert.deepEqual(await store.slashOf(row.outboxId), { receiptId: 'rcpt-j1', minerKey: 'pk-gpu-1', evidence: slash('rcpt-j1').evidence });
        await store.signOutbox(row.outboxId, { nonce: 1, txHash: 'tx-s', txJson: '{}' }, NOW + 2);
        await store.finalizeOutbox(row.outboxId, 9, NOW + 3, 50n);
        assert.deepEqual([(await store.getOutbox(row.outboxId))?.amountMicro, (await store.getAccount('alice')).availableMicro], [50n, 10n * M - 100n + 50n]);
      },
    },
    {
      name: 'several connections queue settlements at once: each receipt goes in exactly one batch, none is left out',
      async run({ store, database }) {
        await funded(store, 'alice', 100n * M);
        for (const id of ['gpu-1', 'gpu-2']) await registered(store, miner(id));
        for (let i = 0; i < 24; i++) await ranJob(store, newJob(`j${String(i).padStart(2, '0')}`, { createdAt: NOW + i }), i % 2 === 0 ? 'gpu-1' : 'gpu-2', 1_000n + BigInt(i), NOW + i);
        const stores = await database.stores(4);
        const batches = await Promise.all(
          stores.map(async (connection) => {
            const mine = [];
            for (let batch; (batch = await connection.queueSettlement({ maxReceipts: 5, olderThan: NOW + 100 }, NOW + 100)); ) mine.push(batch);
            return mine;
          }),
        );
        assert.equal(await store.queueSettlement({ maxReceipts: 5, olderThan: NOW + 100 }, NOW + 100), null, 'none left');
        const receipts = [];
        for (const batch of batches.flat()) {
          const inBatch = await store.settlementReceipts(batch.outboxId);
          assert.equal(batch.receiptCount, inBatch.length);
          assert.equal(batch.amountMicro, inBatch.reduce((sum, row) => sum + row.priceMicro, 0n), 'the batch pays what its receipts earned');
          receipts.push(...inBatch.map((row) => row.receiptId));
        }
        assert.equal(receipts.length, 24);
        assert.equal(new Set(receipts).size, 24, 'no receipt in two batches');
      },
    },
    {
      name: 'two connections record the same deposits at once: each is credited once',
      async run({ store, database }) {
        await funded(store, 'alice', M);
        const deposits = Array.from({ length: 8 }, (_, i) => deposit(`tx-${i}`, M, 'alice'));
        const [a, b] = await database.stores(2);
        const results = await Promise.all([a!.recordDeposits({ nextHeight: 6, deposits }, NOW), b!.recordDeposits({ nextHeight: 6, deposits: [...deposits].reverse() }, NOW)]);
        assert.equal(results[0]!.credited + results[1]!.credited, 8);
        assert.equal((await store.getAccount('alice')).availableMicro, 9n * M);
      },
    },
    {
      name: 'overlapping scans (two coordinators, at once or one late) apply each bond event once, and the cursor never moves back',
      async run({ store, database }) {
        await registered(store, miner('gpu-1'));
        const bond = (height: number) => ({ kind: 'bond' as const, minerKey: 'pk-gpu-1', address: 'addr-gpu-1', amountMicro: M, blockHeight: height });
        const [a, b] = await database.stores(2);
        await Promise.all([
          a!.recordDeposits({ nextHeight: 3, deposits: [], bondEvents: [bond(0), bond(1), bond(2)] }, NOW),
          b!.recordDeposits({ nextHeight: 2, deposits: [], bondEvents: [bond(0), bond(1)] }, NOW),
        ]);
        assert.equal(await store.chainCursor(), 3);
        assert.equal((await store.minerBond('gpu-1'))?.bondedMicro, 3n * M);
        await store.recordDeposits({ nextHeight: 5, deposits: [], bondEvents: [bond(2), bond(3), bond(4)] }, NOW + 1);
        assert.equal((await store.minerBond('gpu-1'))?.bondedMicro, 5n * M, 'block 2 was applied before');
        await store.recordDeposits({ nextHeight: 4, deposits: [], bondEvents: [bond(3)] }, NOW + 2);
        assert.deepEqual([await store.chainCursor(), (await store.minerBond('gpu-1'))?.bondedMicro], [5, 5n * M], 'a late scan changes nothing');
      },
    },
    {
      name: 'withdrawals racing submits on one balance: exactly what it covers goes through, never overdrawn',
      async run({ store, database }) {
        await funded(store, 'alice', 5n * M + 500_000n);
        const stores = await database.stores(4);
        const outcomes = await Promise.all(
          Array.from({ length: 10 }, (_, i) => {
            const connection = stores[i % stores.length]!;
            return i % 2 === 0
              ? connection.requestWithdrawal({ account: 'alice', toAddress: 'addr', amountMicro: M }, NOW).then((outcome) => outcome.kind === 'queued')
              : connection.submitJob(newJob(`j${i}`), null, null).then((outcome) => outcome.kind === 'created');
          }),
        );
        assert.equal(outcomes.filter(Boolean).length, 5);
        const balance = await store.getAccount('alice');
        assert.equal(balance.availableMicro, 500_000n);
        assert.equal(balance.escrowedMicro + balance.withdrawingMicro, 5n * M);
      },
    },
  ],
};
