// Races between connections on one database (several stores, as several coordinator processes
// would hold): claims, completions, submits, credits, receipt claims, registrations and sweeps
// started together must each have exactly the outcome one-at-a-time would give.

import assert from 'node:assert/strict';
import { MAX_AMOUNT_MICRO } from '@aitbc/protocol';

import type { ConformanceArea } from './case.ts';
import { claimed, claimRequest, completion, funded, LEASE_MS, M, miner, newJob, NOW, ranJob, registered, submitted } from './fixtures.ts';

const CONNECTIONS = 4;
const JOBS = 60;

export const parallelCases: ConformanceArea = {
  area: 'parallel',
  cases: [
    {
      name: `${CONNECTIONS} connections claim ${JOBS} queued jobs concurrently until none is left: each job claimed exactly once, none lost`,
      async run({ store, database }) {
        await funded(store, 'alice', BigInt(JOBS) * M);
        for (let i = 0; i < JOBS; i++) await submitted(store, newJob(`j${String(i).padStart(3, '0')}`, { createdAt: NOW + i }));
        const stores = await database.stores(CONNECTIONS);
        // Two miners per connection, so claims race both within and across connections.
        const workers = stores.flatMap((connection, c) => [0, 1].map((m) => ({ connection, minerId: `gpu-${c}-${m}` })));
        for (const { minerId } of workers) await registered(store, miner(minerId));
        const claims = await Promise.all(
          workers.map(async ({ connection, minerId }) => {
            const mine: string[] = [];
            for (;;) {
              const outcome = await connection.claimNext(claimRequest(minerId));
              if (outcome.kind === 'none') return mine;
              assert.equal(outcome.kind, 'claimed');
              if (outcome.kind === 'claimed') mine.push(outcome.job.jobId);
            }
          }),
        );
        const all = claims.flat();
        assert.equal(all.length, JOBS, 'claims');
        assert.equal(new Set(all).size, JOBS, 'no job claimed twice');
        for (const [i, { minerId }] of workers.entries()) {
          for (const jobId of claims[i]!) assert.equal((await store.getJob(jobId))?.minerId, minerId, `${jobId} is held by the miner that was handed it`);
        }
        assert.equal((await store.jobCounts()).running, JOBS);
      },
    },
    {
      name: 'two connections complete the same claimed job at once: exactly one wins, the miner is paid once',
      async run({ store, database }) {
        await funded(store, 'alice', 10n * M);
        await registered(store, miner('gpu-1'));
        await submitted(store, newJob('j1'));
        const outcome = await store.claimJob('j1', claimRequest('gpu-1'));
        assert.equal(outcome.kind, 'claimed');
        const held = outcome.kind === 'claimed' ? outcome.job : null;
        const [a, b] = await database.stores(2);
        const results = await Promise.all([a!, b!].map((connection) => connection.completeJob(completion(held!, 400_000n))));
        assert.deepEqual(results.map((result) => result.kind).sort(), ['done', 'refused']);
        assert.equal((await store.minerEarnings('gpu-1', NOW)).earnedMicro, 400_000n);
        assert.equal((await store.getAccount('alice')).availableMicro, 10n * M - 400_000n);
      },
    },
    {
      name: 'a completion racing a cancel: exactly one ends the job, and the books show only that one',
      async run({ store, database }) {
        await funded(store, 'alice', 10n * M);
        await registered(store, miner('gpu-1'));
        await submitted(store, newJob('j1'));
        const outcome = await store.claimJob('j1', claimRequest('gpu-1'));
        const held = outcome.kind === 'claimed' ? outcome.job : null;
        const [a, b] = await database.stores(2);
        const [done, cancelled] = await Promise.all([a!.completeJob(completion(held!, 400_000n)), b!.cancelJob('j1', 'alice', NOW)]);
        assert.equal([done.kind, cancelled.kind].filter((kind) => kind === 'done').length, 1);
        const paid = done.kind === 'done' ? 400_000n : 0n;
        assert.equal((await store.getAccount('alice')).availableMicro, 10n * M - paid);
      },
    },
    {
      name: `${CONNECTIONS} connections submit concurrently past the balance: exactly what it covers is created, never overdrawn`,
      async run({ store, database }) {
        await funded(store, 'alice', 7n * M + 500_000n);
        const stores = await database.stores(CONNECTIONS);
        const outcomes = await Promise.all(
          Array.from({ length: 5 }, (_, round) => stores.map((connection, c) => connection.submitJob(newJob(`j-${c}-${round}`), null, null))).flat(),
        );
        assert.equal(outcomes.filter((outcome) => outcome.kind === 'created').length, 7);
        for (const outcome of outcomes) if (outcome.kind === 'insufficient_balance') assert.ok(outcome.availableMicro < M && outcome.availableMicro >= 0n);
        assert.deepEqual(await store.getAccount('alice'), { account: 'alice', availableMicro: 500_000n, escrowedMicro: 7n * M, withdrawingMicro: 0n });
      },
    },
    {
      name: 'concurrent submits under one idempotency key from several connections create one job; the others replay it',
      async run({ store, database }) {
        await funded(store, 'alice', 10n * M);
        const stores = await database.stores(CONNECTIONS);
        const outcomes = await Promise.all(stores.map((connection, c) => connection.submitJob(newJob(`j${c}`), { key: 'same', requestHash: 'h', notBefore: 0, response: `job j${c}` }, null)));
        const created = outcomes.filter((outcome) => outcome.kind === 'created');
        assert.equal(created.length, 1);
        const winner = created[0]!.kind === 'created' ? created[0]!.job.jobId : '';
        for (const outcome of outcomes) if (outcome.kind === 'existing') assert.equal(outcome.prior.response, `job ${winner}`);
        assert.equal((await store.getAccount('alice')).escrowedMicro, M);
      },
    },
    {
      name: 'two connections claim while a third submits: every job submitted is claimed exactly once',
      async run({ store, database }) {
        const total = 40;
        await funded(store, 'alice', BigInt(total) * M);
        const [submitter, ...claimers] = await database.stores(3);
        for (const minerId of ['gpu-a', 'gpu-b']) await registered(store, miner(minerId));
        let submitting = true;
        const submits = (async () => {
          for (let i = 0; i < total; i++) await submitted(submitter!, newJob(`j${String(i).padStart(3, '0')}`, { createdAt: NOW + i }));
          submitting = false;
        })();
        const claims = claimers.map(async (connection, c) => {
          const mine: string[] = [];
          for (;;) {
            // Read before the claim: a claim that finds nothing after the last submit ends the loop.
            const done = !submitting;
            const outcome = await connection!.claimNext(claimRequest(c === 0 ? 'gpu-a' : 'gpu-b'));
            if (outcome.kind === 'claimed') mine.push(outcome.job.jobId);
            else if (done) return mine;
            else await new Promise((resolve) => setTimeout(resolve, 1));
          }
        });
        await submits;
        const all = (await Promise.all(claims)).flat();
        assert.equal(all.length, total, 'claims');
        assert.equal(new Set(all).size, total, 'no job claimed twice');
        assert.deepEqual(await store.jobCounts(), { queued: 0, running: total, completed: 0, failed: 0, cancelled: 0, expired: 0 });
      },
    },
    {
      name: 'credits racing the MAX_AMOUNT_MICRO bound from several connections: exactly the one that fits is taken',
      async run({ store, database }) {
        await funded(store, 'alice', MAX_AMOUNT_MICRO - 10n);
        const stores = await database.stores(CONNECTIONS);
        const outcomes = await Promise.all(stores.map((connection, c) => connection.credit(`payer-${c}`, 6n, NOW)));
        assert.equal(outcomes.filter((outcome) => outcome.ok).length, 1, 'only one credit of 6 fits in the 10 left');
        for (const outcome of outcomes) if (!outcome.ok) assert.equal(outcome.heldMicro, MAX_AMOUNT_MICRO - 4n, 'a refused credit saw the taken one');
        const credited = await Promise.all(stores.map((_, c) => store.getAccount(`payer-${c}`)));
        assert.equal(credited.reduce((sum, account) => sum + account.availableMicro, 0n), 6n);
      },
    },
    {
      name: 'one miner claiming from several connections at once gets exactly its max concurrency; the rest are capacity_full',
      async run({ store, database }) {
        await funded(store, 'alice', 10n * M);
        await registered(store, miner('gpu-1', { maxConcurrency: 3 }));
        for (let i = 0; i < 10; i++) await submitted(store, newJob(`j${i}`, { createdAt: NOW + i }));
        const stores = await database.stores(CONNECTIONS);
        const outcomes = await Promise.all(stores.flatMap((connection) => [0, 1].map(() => connection.claimNext(claimRequest('gpu-1')))));
        assert.equal(outcomes.filter((outcome) => outcome.kind === 'claimed').length, 3);
        assert.equal(outcomes.filter((outcome) => outcome.kind === 'capacity_full').length, outcomes.length - 3);
        assert.equal(await store.countRunning('gpu-1'), 3);
      },
    },
    {
      name: 'submits under one daily quota from several connections at once: exactly the quota is created',
      async run({ store, database }) {
        await funded(store, 'alice', 10n * M);
        const stores = await database.stores(CONNECTIONS);
        const quota = { keyId: 'key-a', day: '2023-11-14', limit: 3 };
        const outcomes = await Promise.all(stores.flatMap((connection, c) => [0, 1].map((i) => connection.submitJob(newJob(`j-${c}-${i}`), null, quota))));
        assert.equal(outcomes.filter((outcome) => outcome.kind === 'created').length, 3);
        for (const outcome of outcomes) if (outcome.kind !== 'created') assert.deepEqual(outcome, { kind: 'quota_exceeded', used: 3 });
        assert.equal((await store.getAccount('alice')).escrowedMicro, 3n * M);
      },
    },
    {
      name: 'two connections claim the same receipt at once: one claims it, the other finds it claimed; the miner is paid once',
      async run({ store, database }) {
        await funded(store, 'alice', 10n * M);
        await registered(store, miner('gpu-1'));
        await ranJob(store, newJob('j1'), 'gpu-1', 300_000n);
        const [a, b] = await database.stores(2);
        const outcomes = await Promise.all([a!, b!].map((connection) => connection.claimReceipt('rcpt-j1', NOW)));
        assert.deepEqual(outcomes.map((outcome) => outcome.kind).sort(), ['already_claimed', 'claimed']);
        const earnings = await store.minerEarnings('gpu-1', NOW);
        assert.deepEqual([earnings.earnedMicro, earnings.claimedMicro], [0n, 300_000n]);
      },
    },
    {
      name: 'registrations of one new miner id from several connections at once: one creates it, the others update it; another owner is refused',
      async run({ store, database }) {
        const stores = await database.stores(CONNECTIONS);
        const outcomes = await Promise.all([
          ...stores.map((connection) => connection.registerMiner(miner('gpu-1'), NOW)),
          stores[0]!.registerMiner(miner('gpu-1', { ownerKeyId: 'key-mallory' }), NOW),
        ]);
        const registeredOutcomes = outcomes.filter((outcome) => outcome.kind === 'registered');
        const refused = outcomes.filter((outcome) => outcome.kind === 'owned_by_other');
        // Whichever owner came first holds the id; every other registration is refused or updates it.
        const owner = (await store.getMiner('gpu-1'))!.ownerKeyId;
        assert.equal(registeredOutcomes.filter((outcome) => outcome.kind === 'registered' && outcome.created).length, 1);
        assert.equal(refused.length, owner === 'key-gpu-1' ? 1 : CONNECTIONS);
        assert.deepEqual([...(await store.getMiner('gpu-1'))!.prices], [['demo', 1n]]);
      },
    },
    {
      name: 'two connections requeue lapsed leases at once: each job re-queued once, each lapse counted once',
      async run({ store, database }) {
        await funded(store, 'alice', 10n * M);
        await registered(store, miner('gpu-1'));
        for (let i = 0; i < 3; i++) {
          await submitted(store, newJob(`j${i}`));
          await claimed(store, `j${i}`, 'gpu-1');
        }
        const [a, b] = await database.stores(2);
        const later = NOW + LEASE_MS + 1;
        const results = await Promise.all([a!, b!].map((connection) => connection.requeueLapsed(later, 3)));
        assert.equal(results[0]!.requeued + results[1]!.requeued, 3);
        assert.equal((await store.jobCounts()).queued, 3);
        assert.equal((await store.getMiner('gpu-1'))!.track.leaseLapses, 3);
      },
    },
    {
      name: 'with a minimum bond, claims of two jobs by one miner from two connections at once: only what the bond covers is taken',
      async run({ store, database }) {
        await funded(store, 'alice', 10n * M);
        await registered(store, miner('gpu-1'));
        await store.recordDeposits({ nextHeight: 2, deposits: [], bondEvents: [{ kind: 'bond', minerKey: 'pk-gpu-1', address: 'addr-gpu-1', amountMicro: M + M / 2n, blockHeight: 1 }] }, NOW);
        for (const jobId of ['j1', 'j2']) await submitted(store, newJob(jobId));
        const [a, b] = await database.stores(2);
        const outcomes = await Promise.all([a!.claimJob('j1', claimRequest('gpu-1', { minBondMicro: 1n })), b!.claimJob('j2', claimRequest('gpu-1', { minBondMicro: 1n }))]);
        assert.deepEqual(outcomes.map((outcome) => outcome.kind).sort(), ['claimed', 'unavailable']);
        assert.equal(await store.countRunning('gpu-1'), 1);
      },
    },
  ],
};
