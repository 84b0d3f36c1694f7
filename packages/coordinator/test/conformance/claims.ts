// Which queued job claimNext hands a miner (src/store/contract/jobs.ts): the oldest it may run.
// Each constraint case queues an older job the miner may not take before a newer one it may: the
// miner must be handed the newer one, and the older one must stay queued.

import assert from 'node:assert/strict';
import type { ClaimRequest, CoordinatorStore, MinerRegistration, NewJob } from '../../src/store/store.ts';
import type { ConformanceArea, ConformanceCase } from './case.ts';
import { claimRequest, funded, M, miner, newJob, NOW, registered, submitted } from './fixtures.ts';

const DIGEST = `sha256:${'a'.repeat(64)}`;

/** The job claimNext hands the miner, or what it answered instead. */
async function nextFor(store: CoordinatorStore, minerId: string, now = NOW, request: Partial<ClaimRequest> = {}): Promise<string> {
  const outcome = await store.claimNext(claimRequest(minerId, { now, ...request }));
  return outcome.kind === 'claimed' ? outcome.job.jobId : outcome.kind;
}

/**
 * A case: `blocked` (older) is not for gpu-1 as registered (then `prepare`d, claiming with
 * `request`), `open` (newer) is.
 */
function skips(
  name: string,
  registration: Partial<MinerRegistration>,
  blocked: Partial<NewJob>,
  open: Partial<NewJob> = {},
  options: { request?: Partial<ClaimRequest>; prepare?: (store: CoordinatorStore) => Promise<unknown> } = {},
): ConformanceCase {
  return {
    name: `claimNext skips a job ${name}`,
    async run({ store }) {
      await funded(store, 'alice', 10n * M);
      await registered(store, miner('gpu-1', registration));
      await options.prepare?.(store);
      await submitted(store, newJob('blocked', { createdAt: NOW - 10, ...blocked }));
      await submitted(store, newJob('open', open));
      assert.equal(await nextFor(store, 'gpu-1', NOW, options.request), 'open');
      assert.equal(await nextFor(store, 'gpu-1', NOW, options.request), 'none');
      assert.equal((await store.getJob('blocked'))?.status, 'queued');
    },
  };
}

export const claimCases: ConformanceArea = {
  area: 'claims',
  cases: [
    {
      name: 'claimNext hands out the oldest queued job first (same time: the one submitted first), across the miner\'s models',
      async run({ store }) {
        await funded(store, 'alice', 10n * M);
        await registered(store, miner('gpu-1', { prices: new Map([['a', 1n], ['b', 1n]]) }));
        await submitted(store, newJob('a-late', { model: 'a', createdAt: NOW + 2 }));
        await submitted(store, newJob('b-first', { model: 'b', createdAt: NOW }));
        await submitted(store, newJob('a-first', { model: 'a', createdAt: NOW + 1 }));
        await submitted(store, newJob('b-second', { model: 'b', createdAt: NOW + 1 }));
        const order = [];
        for (let i = 0; i < 5; i++) order.push(await nextFor(store, 'gpu-1', NOW + 10));
        assert.deepEqual(order, ['b-first', 'a-first', 'b-second', 'a-late', 'none']);
      },
    },
    {
      name: 'a re-queued job goes behind jobs queued before its re-queue',
      async run({ store }) {
        await funded(store, 'alice', 10n * M);
        await registered(store, miner('gpu-1'));
        await submitted(store, newJob('first', { createdAt: NOW }));
        await submitted(store, newJob('second', { createdAt: NOW + 1 }));
        assert.equal(await nextFor(store, 'gpu-1', NOW + 2), 'first');
        await store.failJob({ jobId: 'first', minerId: 'gpu-1', reason: 'oom', retryable: true, now: NOW + 3, maxAttempts: 3 });
        assert.equal(await nextFor(store, 'gpu-1', NOW + 4), 'second');
        assert.equal(await nextFor(store, 'gpu-1', NOW + 4), 'first');
      },
    },
    skips('for a model the miner does not offer', {}, { model: 'other' }),
    skips('whose max price per unit is below the miner\'s price', { prices: new Map([['demo', 10n]]) }, { maxPriceMicro: 59n, minUnits: 6 }, { maxPriceMicro: 60n, minUnits: 6 }),
    skips('needing capability bits the miner\'s model lacks', { capabilities: new Map([['demo', { bits: 0b0011, contextLength: null }]]) }, { requires: 0b1001 }, { requires: 0b0010 }),
    skips('pinned to another miner (one pinned to it is claimable)', {}, { pinnedMinerId: 'gpu-2' }, { pinnedMinerId: 'gpu-1' }),
    skips('needing a digest the miner did not advertise', { digests: new Map([['demo', DIGEST]]) }, { requiredDigest: `sha256:${'b'.repeat(64)}` }, { requiredDigest: DIGEST }),
    skips('excluding the miner\'s owner', {}, { excludedOwners: ['key-other', 'key-gpu-1'] }, { excludedOwners: ['key-other'] }),
    skips('needing a higher reputation than the miner\'s', {}, { minReputationPpm: 1 }, { minReputationPpm: 0 }),
    skips('past its deadline', {}, { deadline: NOW }),
    skips('awaiting its subject', {}, { awaitingSubject: true, purpose: 'reexecution', subjectJobId: 'someone' }),
    skips('other than a canary pinned to it, while the miner is paused', {}, {}, { purpose: 'canary', pinnedMinerId: 'gpu-1' }, {
      prepare: (store) => store.updateStanding('gpu-1', (record) => ({ ...record, pausedAt: NOW - 100, pauseReason: 'failed a canary' })),
    }),
    skips('re-executing another\'s job while the miner is on probation', {}, { purpose: 'reexecution', subjectJobId: 'someone' }, {}, { request: { probationJobs: 1 } }),
    skips('re-executing another\'s job while the miner is paused, even when trusted', {}, { purpose: 'reexecution', subjectJobId: 'someone' }, { purpose: 'canary', pinnedMinerId: 'gpu-1' }, {
      request: { trusted: true },
      prepare: (store) => store.updateStanding('gpu-1', (record) => ({ ...record, pausedAt: NOW - 100, pauseReason: 'failed a canary' })),
    }),
    {
      name: 'a trusted miner on probation is handed re-executions',
      async run({ store }) {
        await funded(store, 'alice', 10n * M);
        await registered(store, miner('gpu-1'));
        await submitted(store, newJob('rerun', { purpose: 'reexecution', subjectJobId: 'someone' }));
        assert.equal(await nextFor(store, 'gpu-1', NOW, { probationJobs: 1 }), 'none');
        assert.equal(await nextFor(store, 'gpu-1', NOW, { probationJobs: 1, trusted: true }), 'rerun');
      },
    },
    {
      name: 'with a minimum bond, a miner holds jobs only up to what it has bonded (none without a bond)',
      async run({ store }) {
        await funded(store, 'alice', 10n * M);
        await registered(store, miner('gpu-1'));
        for (const jobId of ['j1', 'j2', 'j3']) await submitted(store, newJob(jobId));
        const bonded = { minBondMicro: 1n };
        assert.equal(await nextFor(store, 'gpu-1', NOW, bonded), 'none');
        await store.recordDeposits({ nextHeight: 2, deposits: [], bondEvents: [{ kind: 'bond', minerKey: 'pk-gpu-1', address: 'addr-gpu-1', amountMicro: 2n * M, blockHeight: 1 }] }, NOW);
        assert.equal(await nextFor(store, 'gpu-1', NOW, bonded), 'j1');
        assert.equal(await nextFor(store, 'gpu-1', NOW, bonded), 'j2');
        assert.equal(await nextFor(store, 'gpu-1', NOW, bonded), 'none', 'a third 1 AIT job would pass the 2 AIT bond');
        assert.equal(await nextFor(store, 'gpu-1'), 'j3', 'without the bond rule it is claimable');
      },
    },
    {
      name: 'claimNext: capacity_full at max concurrency, none for an unregistered miner or an empty queue',
      async run({ store }) {
        await funded(store, 'alice', 10n * M);
        await registered(store, miner('gpu-1', { maxConcurrency: 1 }));
        assert.equal(await nextFor(store, 'gpu-1'), 'none');
        await submitted(store, newJob('j1'));
        await submitted(store, newJob('j2'));
        assert.equal(await nextFor(store, 'gpu-1'), 'j1');
        assert.deepEqual(await store.claimNext(claimRequest('gpu-1')), { kind: 'capacity_full', running: 1 });
        assert.equal(await nextFor(store, 'ghost'), 'none');
        assert.equal((await store.getJob('j2'))?.status, 'queued');
      },
    },
    {
      name: 'claimNext records the claim like claimJob: running, attempt counted, lease from now, the miner seen',
      async run({ store }) {
        await funded(store, 'alice', 10n * M);
        await registered(store, miner('gpu-1', { prices: new Map([['demo', 3n]]) }), NOW - 1000);
        await submitted(store, newJob('j1'));
        const outcome = await store.claimNext(claimRequest('gpu-1', { nonce: 'n-1', now: NOW + 5 }));
        assert.equal(outcome.kind, 'claimed');
        const job = outcome.kind === 'claimed' ? outcome.job : null;
        assert.deepEqual([job?.status, job?.minerId, job?.attempts, job?.claimNonce, job?.unitPriceMicro, job?.claimedAt, job?.leaseExpiresAt], ['running', 'gpu-1', 1, 'n-1', 3n, NOW + 5, NOW + 5 + 60_000]);
        assert.equal((await store.getMiner('gpu-1'))?.lastSeenAt, NOW + 5);
      },
    },
  ],
};
