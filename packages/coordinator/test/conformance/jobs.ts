// Jobs (src/store/contract/jobs.ts) from submit to their end: escrow, idempotency, quota, claims
// by id, completion and its payout, failure, cancel, expiry and lapsed leases. Which queued job a
// miner is handed is in claims.ts; races between connections in parallel.ts.

import assert from 'node:assert/strict';
import type { CoordinatorStore } from '../../src/store/store.ts';
import type { ConformanceArea } from './case.ts';
import { claimed, claimRequest, completion, funded, HOUR, LEASE_MS, M, miner, newJob, NOW, ranJob, receipt, registered, submitted } from './fixtures.ts';

async function balance(store: CoordinatorStore, account = 'alice') {
  const { availableMicro, escrowedMicro } = await store.getAccount(account);
  return { availableMicro, escrowedMicro };
}

/** A funded client, one miner and one running job: the start of most lifecycle cases. */
async function runningJob(store: CoordinatorStore, maxPriceMicro = M) {
  await funded(store, 'alice', 10n * M);
  await registered(store, miner('gpu-1'));
  await submitted(store, newJob('j1', { maxPriceMicro }));
  return claimed(store, 'j1', 'gpu-1');
}

const idem = (key: string, requestHash: string, notBefore = NOW - HOUR) => ({ key, requestHash, notBefore, response: `{"for":"${requestHash}"}` });

export const jobCases: ConformanceArea = {
  area: 'jobs',
  cases: [
    {
      name: 'submit escrows max_price and stores the job as given (queued, no attempts)',
      async run({ store }) {
        await funded(store, 'alice', 5n * M);
        const job = await submitted(store, newJob('j1', { maxPriceMicro: 2n * M, minUnits: 3, params: { temperature: 0.5 }, requires: 0b11, kind: 'chat' }));
        assert.deepEqual(await balance(store), { availableMicro: 3n * M, escrowedMicro: 2n * M });
        assert.deepEqual(await store.getJob('j1'), job);
        assert.equal(job.status, 'queued');
        assert.equal(job.attempts, 0);
        assert.equal(job.maxPriceMicro, 2n * M);
        assert.equal(job.minUnits, 3);
        assert.deepEqual(job.params, { temperature: 0.5 });
        assert.equal(job.kind, 'chat');
        assert.equal(job.requires, 0b11);
        assert.equal(job.purpose, 'client');
        assert.deepEqual(job.excludedOwners, []);
        assert.equal(job.queuedAt, NOW);
        assert.equal(await store.getJob('nope'), null);
      },
    },
    {
      name: 'submit beyond the available balance is refused with the balance, and moves nothing',
      async run({ store }) {
        await funded(store, 'alice', M);
        assert.deepEqual(await store.submitJob(newJob('j1', { maxPriceMicro: M + 1n }), null, null), { kind: 'insufficient_balance', availableMicro: M });
        assert.deepEqual(await store.submitJob(newJob('j2', { account: 'nobody' }), null, null), { kind: 'insufficient_balance', availableMicro: 0n });
        assert.equal(await store.getJob('j1'), null);
        assert.deepEqual(await balance(store), { availableMicro: M, escrowedMicro: 0n });
        await submitted(store, newJob('j3', { maxPriceMicro: M }));
        assert.deepEqual(await balance(store), { availableMicro: 0n, escrowedMicro: M });
      },
    },
    {
      name: 'submit with a companion escrows both, and refuses both when the balance covers only one',
      async run({ store }) {
        await funded(store, 'alice', 3n * M);
        assert.equal((await store.submitJob(newJob('big', { maxPriceMicro: 2n * M }), null, null, newJob('big-rerun', { maxPriceMicro: 2n * M, purpose: 'reexecution', subjectJobId: 'big', awaitingSubject: true }))).kind, 'insufficient_balance');
        assert.equal(await store.getJob('big-rerun'), null);
        const outcome = await store.submitJob(newJob('j1', { verify: true }), null, null, newJob('j1-rerun', { purpose: 'reexecution', subjectJobId: 'j1', awaitingSubject: true }));
        assert.equal(outcome.kind, 'created');
        assert.equal((await store.getJob('j1-rerun'))?.awaitingSubject, true);
        assert.deepEqual(await balance(store), { availableMicro: M, escrowedMicro: 2n * M });
      },
    },
    {
      name: 'idempotency: the same key replays the first response (whatever the request hash), a stale one is replaced',
      async run({ store }) {
        await funded(store, 'alice', 5n * M);
        assert.equal((await store.submitJob(newJob('j1'), idem('k', 'hash-1'), null)).kind, 'created');
        assert.deepEqual(await store.submitJob(newJob('j2'), idem('k', 'hash-1'), null), { kind: 'existing', prior: { requestHash: 'hash-1', response: '{"for":"hash-1"}' } });
        // A different request under the same key: the store answers with the prior, the service calls it a conflict.
        assert.deepEqual(await store.submitJob(newJob('j3'), idem('k', 'hash-2'), null), { kind: 'existing', prior: { requestHash: 'hash-1', response: '{"for":"hash-1"}' } });
        assert.equal(await store.getJob('j2'), null);
        assert.deepEqual(await balance(store), { availableMicro: 4n * M, escrowedMicro: M }, 'a replay escrows nothing');
        assert.deepEqual(await store.findIdempotentSubmit('alice', 'k', NOW - HOUR), { requestHash: 'hash-1', response: '{"for":"hash-1"}' });
        assert.equal(await store.findIdempotentSubmit('bob', 'k', NOW - HOUR), null, 'keys are per account');
        // Past its lifetime the key is free again.
        assert.equal((await store.submitJob(newJob('j4', { createdAt: NOW + 1 }), idem('k', 'hash-4', NOW + 1), null)).kind, 'created');
        assert.equal((await store.findIdempotentSubmit('alice', 'k', NOW))?.requestHash, 'hash-4');
        assert.equal(await store.pruneIdempotencyKeys(NOW + 2), 1);
        assert.equal(await store.findIdempotentSubmit('alice', 'k', 0), null);
      },
    },
    {
      name: 'daily quota: accepted submits count, a refused one does not; a new day starts again',
      async run({ store }) {
        await funded(store, 'alice', 3n * M);
        const quota = (day: string) => ({ keyId: 'key-a', day, limit: 2 });
        assert.equal((await store.submitJob(newJob('j1'), null, quota('2023-11-14'))).kind, 'created');
        assert.equal((await store.submitJob(newJob('poor', { maxPriceMicro: 100n * M }), null, quota('2023-11-14'))).kind, 'insufficient_balance');
        assert.equal((await store.submitJob(newJob('j2'), null, quota('2023-11-14'))).kind, 'created');
        assert.deepEqual(await store.submitJob(newJob('j3'), null, quota('2023-11-14')), { kind: 'quota_exceeded', used: 2 });
        assert.equal((await store.submitJob(newJob('j4'), null, quota('2023-11-15'))).kind, 'created');
        assert.deepEqual(await balance(store), { availableMicro: 0n, escrowedMicro: 3n * M });
      },
    },
    {
      name: 'listJobs: the account\'s jobs newest first, by status, in pages that follow on',
      async run({ store }) {
        await funded(store, 'alice', 10n * M);
        await funded(store, 'bob', M);
        for (let i = 0; i < 5; i++) await submitted(store, newJob(`j${i}`, { createdAt: NOW + i }));
        await submitted(store, newJob('bob-1', { account: 'bob' }));
        await store.cancelJob('j1', 'alice', NOW + 10);
        const first = await store.listJobs('alice', { status: null, limit: 3, after: null });
        assert.deepEqual(first.items.map((job) => job.jobId), ['j4', 'j3', 'j2']);
        const second = await store.listJobs('alice', { status: null, limit: 3, after: first.next });
        assert.deepEqual(second.items.map((job) => job.jobId), ['j1', 'j0']);
        assert.equal(second.next, null);
        assert.deepEqual((await store.listJobs('alice', { status: 'cancelled', limit: 10, after: null })).items.map((job) => job.jobId), ['j1']);
      },
    },
    {
      name: 'claimJob: claimed (running, attempt 1, lease, nonce, unit price), then unavailable; not_found; capacity_full',
      async run({ store }) {
        await funded(store, 'alice', 10n * M);
        await registered(store, miner('gpu-1', { maxConcurrency: 1, prices: new Map([['demo', 7n]]) }));
        await registered(store, miner('gpu-2'));
        for (const id of ['j1', 'j2']) await submitted(store, newJob(id));
        const outcome = await store.claimJob('j1', claimRequest('gpu-1', { nonce: 'n-1' }));
        assert.equal(outcome.kind, 'claimed');
        const job = outcome.kind === 'claimed' ? outcome.job : null;
        assert.equal(job?.status, 'running');
        assert.equal(job?.minerId, 'gpu-1');
        assert.equal(job?.attempts, 1);
        assert.equal(job?.claimedAt, NOW);
        assert.equal(job?.leaseExpiresAt, NOW + LEASE_MS);
        assert.equal(job?.claimNonce, 'n-1');
        assert.equal(job?.unitPriceMicro, 7n);
        assert.deepEqual(await store.getJob('j1'), job);
        const again = await store.claimJob('j1', claimRequest('gpu-2'));
        assert.equal(again.kind, 'unavailable');
        assert.equal(again.kind === 'unavailable' && again.job.minerId, 'gpu-1');
        assert.deepEqual(await store.claimJob('nope', claimRequest('gpu-2')), { kind: 'not_found' });
        assert.deepEqual(await store.claimJob('j2', claimRequest('gpu-1')), { kind: 'capacity_full', running: 1 });
        assert.equal((await store.claimJob('j2', claimRequest('unregistered'))).kind, 'unavailable');
        assert.equal((await store.getJob('j2'))?.status, 'queued');
      },
    },
    {
      name: 'releaseClaim puts the job back queued without counting the attempt; only for the holder and its nonce',
      async run({ store }) {
        const job = await runningJob(store);
        assert.equal(await store.releaseClaim('j1', 'gpu-1', 'wrong-nonce', NOW), false);
        assert.equal(await store.releaseClaim('j1', 'gpu-2', job.claimNonce!, NOW), false);
        assert.equal(await store.releaseClaim('j1', 'gpu-1', job.claimNonce!, NOW), true);
        const back = await store.getJob('j1');
        assert.equal(back?.status, 'queued');
        assert.equal(back?.attempts, 0);
        assert.equal(back?.minerId, null);
        assert.equal(back?.claimNonce, null);
        assert.equal(await store.releaseClaim('j1', 'gpu-1', job.claimNonce!, NOW), false, 'once');
      },
    },
    {
      name: 'completeJob pays the miner exactly the price (held), refunds the rest of max_price, stores the output and receipt',
      async run({ store }) {
        const job = await runningJob(store, 2n * M);
        const done = await store.completeJob(completion(job, 300_000n, { outputData: { tool_calls: [] }, promptTokens: 7, completionTokens: 11, receipt: receipt('rcpt-j1', { model_digest: 'sha256:abc', backend: 'demo' }), now: NOW + 5 }));
        assert.equal(done.kind, 'done');
        const completed = done.kind === 'done' ? done.job : null;
        assert.equal(done.kind === 'done' && done.released, null);
        assert.equal(completed?.status, 'completed');
        assert.equal(completed?.priceMicro, 300_000n);
        assert.equal(completed?.output, 'output of j1');
        assert.deepEqual(completed?.outputData, { tool_calls: [] });
        assert.equal(completed?.promptTokens, 7);
        assert.equal(completed?.completionTokens, 11);
        assert.equal(completed?.receiptId, 'rcpt-j1');
        assert.equal(completed?.modelDigest, 'sha256:abc');
        assert.equal(completed?.backend, 'demo');
        assert.equal(completed?.endedAt, NOW + 5);
        assert.equal(completed?.leaseExpiresAt, null);
        assert.deepEqual(await store.getJob('j1'), completed);
        assert.deepEqual(await balance(store), { availableMicro: 10n * M - 300_000n, escrowedMicro: 0n });
        // A window of 0: the earnings are released with the completion.
        const earnings = await store.minerEarnings('gpu-1', NOW + 5);
        assert.deepEqual([earnings.heldMicro, earnings.earnedMicro, earnings.unclaimedReceipts], [0n, 300_000n, 1]);
        const stored = await store.getReceipt('rcpt-j1');
        assert.equal(stored?.priceMicro, 300_000n);
        assert.equal(stored?.jobId, 'j1');
        assert.equal(stored?.minerId, 'gpu-1');
        assert.equal(stored?.account, 'alice');
        assert.equal(stored?.minerKey, 'pk-gpu-1');
        assert.deepEqual(stored?.receipt, receipt('rcpt-j1', { model_digest: 'sha256:abc', backend: 'demo' }));
      },
    },
    {
      name: 'completeJob at the full max_price refunds nothing; inside a window the earnings stay held',
      async run({ store }) {
        await funded(store, 'alice', 10n * M);
        await registered(store, miner('gpu-1'));
        await ranJob(store, newJob('j1', { maxPriceMicro: 2n * M, acceptanceWindowMs: 60_000 }), 'gpu-1', 2n * M);
        assert.deepEqual(await balance(store), { availableMicro: 8n * M, escrowedMicro: 0n });
        assert.equal((await store.getJob('j1'))?.acceptUntil, NOW + 60_000);
        const earnings = await store.minerEarnings('gpu-1', NOW);
        assert.deepEqual([earnings.heldMicro, earnings.earnedMicro], [2n * M, 0n]);
      },
    },
    {
      name: 'completeJob is refused for a wrong nonce, another miner, a job not running, an unknown job; nothing moves',
      async run({ store }) {
        const job = await runningJob(store);
        const refusedWith = async (patch: Parameters<typeof completion>[2], jobId = 'j1') => {
          const outcome = await store.completeJob(completion({ ...job, jobId }, 1n, patch));
          assert.equal(outcome.kind, 'refused', JSON.stringify(patch));
          return outcome;
        };
        await refusedWith({ claimNonce: 'stale' });
        await refusedWith({ minerId: 'gpu-2' });
        assert.deepEqual(await refusedWith({}, 'nope'), { kind: 'refused', job: null });
        assert.equal((await store.getJob('j1'))?.status, 'running');
        assert.equal(await store.getReceipt('rcpt-j1'), null);
        assert.deepEqual(await balance(store), { availableMicro: 9n * M, escrowedMicro: M });
        assert.equal((await store.completeJob(completion(job, 1n))).kind, 'done');
        const twice = await store.completeJob(completion(job, 1n));
        assert.equal(twice.kind, 'refused');
        assert.equal(twice.job?.status, 'completed');
      },
    },
    {
      name: 'completeJob past the deadline expires the job instead (escrow refunded), never pays',
      async run({ store }) {
        const job = await runningJob(store);
        const outcome = await store.completeJob(completion(job, 1n, { now: job.deadline }));
        assert.equal(outcome.kind, 'refused');
        assert.equal((await store.getJob('j1'))?.status, 'expired');
        assert.deepEqual(await balance(store), { availableMicro: 10n * M, escrowedMicro: 0n });
      },
    },
    {
      name: 'failJob retryable re-queues while attempts remain (error kept), then fails and refunds',
      async run({ store }) {
        await runningJob(store);
        const first = await store.failJob({ jobId: 'j1', minerId: 'gpu-1', reason: 'oom', retryable: true, now: NOW + 1, maxAttempts: 2 });
        assert.equal(first.kind, 'done');
        assert.equal(first.job?.status, 'queued');
        assert.equal(first.job?.minerId, null);
        assert.equal(first.job?.queuedAt, NOW + 1);
        assert.match(first.job?.error ?? '', /oom/);
        assert.deepEqual(await balance(store), { availableMicro: 9n * M, escrowedMicro: M }, 'still escrowed');
        await claimed(store, 'j1', 'gpu-1', { now: NOW + 2 });
        const second = await store.failJob({ jobId: 'j1', minerId: 'gpu-1', reason: 'oom again', retryable: true, now: NOW + 3, maxAttempts: 2 });
        assert.equal(second.job?.status, 'failed');
        assert.equal(second.job?.attempts, 2);
        assert.equal(second.job?.endedAt, NOW + 3);
        assert.deepEqual(await balance(store), { availableMicro: 10n * M, escrowedMicro: 0n });
        assert.equal((await store.getMiner('gpu-1'))?.track.jobsFailed, 2);
      },
    },
    {
      name: 'failJob not retryable fails at once and refunds; refused for another miner or a job not running',
      async run({ store }) {
        await runningJob(store);
        assert.equal((await store.failJob({ jobId: 'j1', minerId: 'gpu-2', reason: 'x', retryable: false, now: NOW, maxAttempts: 3 })).kind, 'refused');
        const failed = await store.failJob({ jobId: 'j1', minerId: 'gpu-1', reason: 'bad prompt', retryable: false, now: NOW, maxAttempts: 3 });
        assert.equal(failed.job?.status, 'failed');
        assert.deepEqual(await balance(store), { availableMicro: 10n * M, escrowedMicro: 0n });
        const again = await store.failJob({ jobId: 'j1', minerId: 'gpu-1', reason: 'x', retryable: false, now: NOW, maxAttempts: 3 });
        assert.equal(again.kind, 'refused');
        assert.equal(again.job?.status, 'failed');
        assert.deepEqual(await store.failJob({ jobId: 'nope', minerId: 'gpu-1', reason: 'x', retryable: false, now: NOW, maxAttempts: 3 }), { kind: 'refused', job: null });
      },
    },
    {
      name: 'failJob with lapse counts a lease lapse, not a failure',
      async run({ store }) {
        await runningJob(store);
        await store.failJob({ jobId: 'j1', minerId: 'gpu-1', reason: 'gone', retryable: true, now: NOW, maxAttempts: 3, lapse: true });
        const track = (await store.getMiner('gpu-1'))!.track;
        assert.deepEqual([track.leaseLapses, track.jobsFailed], [1, 0]);
      },
    },
    {
      name: 'cancel: a queued or running job of the account is cancelled and refunded; another account or an ended job is refused',
      async run({ store }) {
        await runningJob(store);
        await submitted(store, newJob('j2'));
        assert.deepEqual(await store.cancelJob('j1', 'mallory', NOW), { kind: 'refused', job: null }, 'another account learns nothing');
        const running = await store.cancelJob('j1', 'alice', NOW + 1);
        assert.equal(running.job?.status, 'cancelled');
        assert.equal(running.job?.endedAt, NOW + 1);
        assert.equal((await store.cancelJob('j2', 'alice', NOW)).job?.status, 'cancelled');
        assert.deepEqual(await balance(store), { availableMicro: 10n * M, escrowedMicro: 0n });
        const again = await store.cancelJob('j2', 'alice', NOW);
        assert.equal(again.kind, 'refused');
        assert.equal(again.job?.status, 'cancelled');
        assert.equal(await store.countRunning('gpu-1'), 0);
      },
    },
    {
      name: 'expireDue expires queued and running jobs past their deadline (one job when named), refunding each',
      async run({ store }) {
        await runningJob(store); // deadline NOW + HOUR
        await submitted(store, newJob('j2', { deadline: NOW + 10 }));
        await submitted(store, newJob('j3', { deadline: NOW + 10 }));
        await submitted(store, newJob('later', { deadline: NOW + 2 * HOUR }));
        assert.equal(await store.expireDue(NOW + 10, 'j2'), 1);
        assert.equal((await store.getJob('j3'))?.status, 'queued');
        assert.equal(await store.expireDue(NOW + HOUR), 2);
        for (const id of ['j1', 'j2', 'j3']) assert.equal((await store.getJob(id))?.status, 'expired', id);
        assert.equal((await store.getJob('later'))?.status, 'queued');
        assert.deepEqual(await balance(store), { availableMicro: 9n * M, escrowedMicro: M });
        assert.equal(await store.expireDue(NOW + HOUR), 0);
      },
    },
    {
      name: 'requeueLapsed re-queues jobs whose lease lapsed, fails (and refunds) those at maxAttempts; live leases stay',
      async run({ store }) {
        await funded(store, 'alice', 10n * M);
        await registered(store, miner('gpu-1'));
        for (const id of ['lapsed', 'spent', 'live']) await submitted(store, newJob(id));
        await claimed(store, 'lapsed', 'gpu-1');
        await claimed(store, 'spent', 'gpu-1');
        assert.deepEqual(await store.requeueLapsed(NOW + LEASE_MS - 1, 2), { requeued: 0, failed: 0 });
        // Both lapse once; 'spent' is claimed again and lapses at its second attempt.
        assert.deepEqual(await store.requeueLapsed(NOW + LEASE_MS, 2), { requeued: 2, failed: 0 });
        await claimed(store, 'spent', 'gpu-1', { now: NOW + LEASE_MS });
        await claimed(store, 'live', 'gpu-1', { now: NOW + 2 * LEASE_MS });
        assert.deepEqual(await store.requeueLapsed(NOW + 2 * LEASE_MS, 2), { requeued: 0, failed: 1 });
        const spent = await store.getJob('spent');
        assert.equal(spent?.status, 'failed');
        assert.equal(spent?.attempts, 2);
        assert.equal((await store.getJob('lapsed'))?.status, 'queued');
        assert.equal((await store.getJob('lapsed'))?.attempts, 1);
        assert.equal((await store.getJob('live'))?.status, 'running');
        assert.deepEqual(await balance(store), { availableMicro: 8n * M, escrowedMicro: 2n * M });
        assert.equal((await store.getMiner('gpu-1'))?.track.leaseLapses, 3);
      },
    },
  ],
};
