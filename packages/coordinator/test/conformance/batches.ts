// Batches (src/store/contract/jobs.ts: submitJobs, claimMany, completeJobs): each item has the
// outcome the one-job method would give at its place in the batch, one item refused leaves the
// others as they are, and batches from two connections never take the same job.

import assert from 'node:assert/strict';
import type { BatchSubmit, CoordinatorStore, JobRecord } from '../../src/store/store.ts';
import type { ConformanceArea } from './case.ts';
import { claimRequest, completion, funded, M, miner, newJob, NOW, registered, submitted } from './fixtures.ts';

let nonces = 0;
const freshNonces = (n: number) => Array.from({ length: n }, () => `bulk-nonce-${++nonces}`);

const item = (jobId: string, extra: Partial<BatchSubmit> = {}): BatchSubmit => ({ job: newJob(jobId), idempotency: null, quota: null, ...extra });
const key = (name: string, response = `job for ${name}`) => ({ key: name, requestHash: `hash-${name}`, notBefore: 0, response });

async function claimedMany(store: CoordinatorStore, minerId: string, n: number): Promise<JobRecord[]> {
  const { nonce: _, ...request } = claimRequest(minerId);
  const outcome = await store.claimMany({ ...request, nonces: freshNonces(n) });
  assert.equal(outcome.kind, 'claimed');
  return outcome.kind === 'claimed' ? outcome.jobs : [];
}

export const batchCases: ConformanceArea = {
  area: 'batches',
  cases: [
    {
      name: 'submitJobs: an account that covers 3 of 5 jobs gets the first 3 created and 2 insufficient_balance, escrowed exactly',
      async run({ store }) {
        await funded(store, 'alice', 3n * M + 500_000n);
        const outcomes = await store.submitJobs(['a', 'b', 'c', 'd', 'e'].map((jobId) => item(jobId)));
        assert.deepEqual(
          outcomes.map((outcome) => outcome.kind),
          ['created', 'created', 'created', 'insufficient_balance', 'insufficient_balance'],
        );
        for (const outcome of outcomes.slice(3)) assert.deepEqual(outcome, { kind: 'insufficient_balance', availableMicro: 500_000n });
        assert.deepEqual(await store.getAccount('alice'), { account: 'alice', availableMicro: 500_000n, escrowedMicro: 3n * M, withdrawingMicro: 0n });
        assert.equal(await store.getJob('d'), null);
      },
    },
    {
      name: 'submitJobs: a refused item in the middle leaves the later ones their chance (a dear job refused, a cheaper one after it created)',
      async run({ store }) {
        await funded(store, 'alice', 2n * M);
        const outcomes = await store.submitJobs([item('a'), item('dear', { job: newJob('dear', { maxPriceMicro: 5n * M }) }), item('b')]);
        assert.deepEqual(
          outcomes.map((outcome) => outcome.kind),
          ['created', 'insufficient_balance', 'created'],
        );
        assert.equal((await store.getAccount('alice')).escrowedMicro, 2n * M);
      },
    },
    {
      name: 'submitJobs: a key seen before answers its stored job, a key twice in one batch creates one job, and no key is paid twice',
      async run({ store }) {
        await funded(store, 'alice', 10n * M);
        assert.equal((await store.submitJob(newJob('old'), key('k-old'), null)).kind, 'created');
        const outcomes = await store.submitJobs([item('j1', { idempotency: key('k-old', 'other') }), item('j2', { idempotency: key('k-new') }), item('j3', { idempotency: key('k-new', 'second') })]);
        assert.deepEqual(outcomes[0], { kind: 'existing', prior: { requestHash: 'hash-k-old', response: 'job for k-old' } });
        assert.equal(outcomes[1]!.kind, 'created');
        assert.deepEqual(outcomes[2], { kind: 'existing', prior: { requestHash: 'hash-k-new', response: 'job for k-new' } });
        assert.equal(await store.getJob('j1'), null);
        assert.equal(await store.getJob('j3'), null);
        assert.equal((await store.getAccount('alice')).escrowedMicro, 2n * M);
        // The whole batch again (a retry): every key answers, nothing new is escrowed.
        const retried = await store.submitJobs([item('j1b', { idempotency: key('k-old') }), item('j2b', { idempotency: key('k-new') })]);
        assert.deepEqual(
          retried.map((outcome) => outcome.kind),
          ['existing', 'existing'],
        );
        assert.equal((await store.getAccount('alice')).escrowedMicro, 2n * M);
      },
    },
    {
      name: 'submitJobs: the daily quota counts jobs, not batches; a verify job escrows its re-run too',
      async run({ store }) {
        await funded(store, 'alice', 10n * M);
        const quota = { keyId: 'key-a', day: '2023-11-14', limit: 3 };
        const rerun = newJob('v-rerun', { verify: false, purpose: 'reexecution', subjectJobId: 'v', awaitingSubject: true });
        const outcomes = await store.submitJobs([item('j1', { quota }), item('v', { job: newJob('v', { verify: true }), quota, companion: rerun }), item('j2', { quota }), item('j3', { quota })]);
        assert.deepEqual(outcomes[3], { kind: 'quota_exceeded', used: 3 });
        assert.equal(await store.keySubmits('key-a', '2023-11-14'), 3);
        assert.equal((await store.getAccount('alice')).escrowedMicro, 4n * M, 'three jobs and one re-run');
        assert.equal((await store.getJob('v-rerun'))?.awaitingSubject, true);
      },
    },
    {
      name: 'claimMany: the oldest jobs first, up to the slots the miner has free; capacity_full only when it has none; an empty queue claims nothing',
      async run({ store }) {
        await funded(store, 'alice', 10n * M);
        await registered(store, miner('gpu-1', { maxConcurrency: 3 }));
        for (let i = 0; i < 5; i++) await submitted(store, newJob(`j${i}`, { createdAt: NOW - i }));
        const first = await claimedMany(store, 'gpu-1', 2);
        assert.deepEqual(
          first.map((job) => job.jobId),
          ['j4', 'j3'],
        );
        assert.equal(new Set(first.map((job) => job.claimNonce)).size, 2, 'one nonce per job');
        assert.deepEqual(
          (await claimedMany(store, 'gpu-1', 10)).map((job) => job.jobId),
          ['j2'],
          'stops at max_concurrency',
        );
        const { nonce: _, ...request } = claimRequest('gpu-1');
        assert.deepEqual(await store.claimMany({ ...request, nonces: freshNonces(5) }), { kind: 'capacity_full', running: 3 });
        await registered(store, miner('gpu-2', { prices: new Map([['other', 1n]]) }));
        assert.deepEqual(await claimedMany(store, 'gpu-2', 5), []);
        assert.deepEqual(
          (await Promise.all(['j0', 'j1'].map((jobId) => store.getJob(jobId)))).map((job) => job?.status),
          ['queued', 'queued'],
        );
      },
    },
    {
      name: 'claimMany keeps the bond rule after every job: the held max prices stay within the bond',
      async run({ store }) {
        await funded(store, 'alice', 10n * M);
        await registered(store, miner('gpu-1'));
        for (let i = 0; i < 4; i++) await submitted(store, newJob(`j${i}`, { createdAt: NOW + i }));
        // No bond recorded: the rule refuses every job (0 bonded < any max price).
        const { nonce: _, ...request } = claimRequest('gpu-1', { minBondMicro: 1n });
        assert.deepEqual(await store.claimMany({ ...request, nonces: freshNonces(4) }), { kind: 'claimed', jobs: [] });
        assert.equal(await store.countRunning('gpu-1'), 0);
      },
    },
    {
      name: 'completeJobs: each held job completes and pays; a stale nonce and a job never claimed are refused alone',
      async run({ store }) {
        await funded(store, 'alice', 10n * M);
        await registered(store, miner('gpu-1'));
        for (let i = 0; i < 3; i++) await submitted(store, newJob(`j${i}`, { createdAt: NOW + i }));
        await submitted(store, newJob('queued-one', { createdAt: NOW + 10 }));
        const held = await claimedMany(store, 'gpu-1', 3);
        const outcomes = await store.completeJobs([
          completion(held[0]!, 100_000n),
          completion(held[1]!, 200_000n, { claimNonce: 'stale' }),
          { ...completion(held[2]!, 300_000n), jobId: 'queued-one', receipt: completion(held[2]!, 0n).receipt },
          completion(held[2]!, 300_000n),
        ]);
        assert.deepEqual(
          outcomes.map((outcome) => outcome.kind),
          ['done', 'refused', 'refused', 'done'],
        );
        assert.equal(outcomes[1]!.kind === 'refused' ? outcomes[1]!.job?.status : null, 'running');
        assert.equal(outcomes[2]!.kind === 'refused' ? outcomes[2]!.job?.status : null, 'queued');
        assert.equal((await store.minerEarnings('gpu-1', NOW)).heldMicro + (await store.minerEarnings('gpu-1', NOW)).earnedMicro, 400_000n);
        assert.equal((await store.getAccount('alice')).availableMicro, 10n * M - 400_000n - 2n * M, 'paid for two, two still escrowed');
      },
    },
    {
      name: 'two connections claimMany from one queue at once: no job is taken twice and none is lost',
      async run({ store, database }) {
        const total = 60;
        await funded(store, 'alice', BigInt(total) * M);
        for (let i = 0; i < total; i++) await submitted(store, newJob(`j${String(i).padStart(3, '0')}`, { createdAt: NOW + i }));
        for (const minerId of ['gpu-a', 'gpu-b']) await registered(store, miner(minerId));
        const [a, b] = await database.stores(2);
        const runs = [a!, b!].map(async (connection, c) => {
          const mine: string[] = [];
          for (;;) {
            const jobs = await claimedMany(connection, c === 0 ? 'gpu-a' : 'gpu-b', 7);
            if (jobs.length === 0) return mine;
            mine.push(...jobs.map((job) => job.jobId));
          }
        });
        const [mineA, mineB] = await Promise.all(runs);
        const all = [...mineA!, ...mineB!];
        assert.equal(all.length, total);
        assert.equal(new Set(all).size, total, 'no job claimed twice');
        for (const jobId of mineA!) assert.equal((await store.getJob(jobId))?.minerId, 'gpu-a');
        for (const jobId of mineB!) assert.equal((await store.getJob(jobId))?.minerId, 'gpu-b');
      },
    },
    {
      name: 'two connections submit batches past the balance at once: exactly what it covers is created, never overdrawn',
      async run({ store, database }) {
        await funded(store, 'alice', 7n * M + 500_000n);
        const [a, b] = await database.stores(2);
        const outcomes = (await Promise.all([a!, b!].map((connection, c) => connection.submitJobs(Array.from({ length: 5 }, (_, i) => item(`j-${c}-${i}`)))))).flat();
        assert.equal(outcomes.filter((outcome) => outcome.kind === 'created').length, 7);
        assert.deepEqual(await store.getAccount('alice'), { account: 'alice', availableMicro: 500_000n, escrowedMicro: 7n * M, withdrawingMicro: 0n });
      },
    },
    {
      name: 'two connections submit batches sharing idempotency keys in opposite orders: one job per key, both answer',
      async run({ store, database }) {
        await funded(store, 'alice', 10n * M);
        const [a, b] = await database.stores(2);
        const keys = ['k1', 'k2', 'k3'];
        const [first, second] = await Promise.all([
          a!.submitJobs(keys.map((name) => item(`a-${name}`, { idempotency: key(name, `a-${name}`) }))),
          b!.submitJobs([...keys].reverse().map((name) => item(`b-${name}`, { idempotency: key(name, `b-${name}`) }))),
        ]);
        const created = [...first!, ...second!].filter((outcome) => outcome.kind === 'created');
        assert.equal(created.length, 3);
        assert.equal((await store.getAccount('alice')).escrowedMicro, 3n * M);
      },
    },
  ],
};
