// Races between connections on one database (several stores, as several coordinator processes
// would hold): claims, completions and submits started together must each have exactly the
// outcome one-at-a-time would give.

import assert from 'node:assert/strict';

import type { ConformanceArea } from './case.ts';
import { claimRequest, completion, funded, M, miner, newJob, NOW, registered, submitted } from './fixtures.ts';

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
  ],
};

