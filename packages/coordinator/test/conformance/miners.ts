// Miners (src/store/contract/miners.ts): registration and ownership, what a miner offers, its
// heartbeat and leases, the public offers and the listing order.

import assert from 'node:assert/strict';
import type { ConformanceArea } from './case.ts';
import { claimed, claimRequest, funded, LEASE_MS, M, miner, newJob, NOW, registered, submitted } from './fixtures.ts';

const sha = (n: number) => `sha256:${String(n).repeat(64).slice(0, 64)}`;

export const minerCases: ConformanceArea = {
  area: 'miners',
  cases: [
    {
      name: 'register creates, re-register by the owner updates (and replaces the models), another owner is refused',
      async run({ store }) {
        const first = await store.registerMiner(miner('gpu-1', { gpu: { name: 'A100', memory_gb: 80 }, prices: new Map([['demo', 5n], ['old', 7n]]) }), NOW);
        assert.equal(first.kind, 'registered');
        assert.ok(first.kind === 'registered' && first.created);
        const again = await store.registerMiner(miner('gpu-1', { maxConcurrency: 2, payoutAddress: 'addr-new', prices: new Map([['demo', 3n]]) }), NOW + 10);
        assert.ok(again.kind === 'registered' && !again.created);
        const stored = await store.getMiner('gpu-1');
        assert.equal(stored?.maxConcurrency, 2);
        assert.equal(stored?.payoutAddress, 'addr-new');
        assert.equal(stored?.gpu, null);
        assert.deepEqual(stored?.prices, new Map([['demo', 3n]]));
        assert.equal(stored?.registeredAt, NOW);
        assert.equal(stored?.updatedAt, NOW + 10);
        assert.deepEqual(await store.registerMiner(miner('gpu-1', { ownerKeyId: 'someone-else' }), NOW + 20), { kind: 'owned_by_other' });
        assert.equal((await store.getMiner('gpu-1'))?.ownerKeyId, 'key-gpu-1');
        assert.equal(await store.getMiner('nope'), null);
      },
    },
    {
      name: 'prices, digests, capabilities and gpu round-trip; a model without capabilities offers the defaults',
      async run({ store }) {
        await registered(store, miner('gpu-1', {
          gpu: { name: 'A100', memory_gb: 80 },
          prices: new Map([['a', 2n], ['b', 9_000_000_000_000n]]),
          digests: new Map([['a', sha(1)]]),
          capabilities: new Map([['a', { bits: 0b1100, contextLength: 8192 }]]),
        }));
        const stored = (await store.getMiner('gpu-1'))!;
        assert.deepEqual(stored.gpu, { name: 'A100', memory_gb: 80 });
        assert.deepEqual(stored.prices, new Map([['a', 2n], ['b', 9_000_000_000_000n]]));
        assert.equal(typeof stored.prices.get('b'), 'bigint');
        assert.deepEqual(stored.digests, new Map([['a', sha(1)]]));
        assert.deepEqual(stored.capabilities, new Map([['a', { bits: 0b1100, contextLength: 8192 }], ['b', { bits: 0b11, contextLength: null }]]));
      },
    },
    {
      name: 'heartbeat marks the miner seen and extends the leases of every running job when it does not list them',
      async run({ store }) {
        await funded(store, 'alice', 10n * M);
        await registered(store, miner('gpu-1'));
        for (const id of ['j1', 'j2']) await submitted(store, newJob(id));
        await claimed(store, 'j1', 'gpu-1');
        await claimed(store, 'j2', 'gpu-1');
        const beat = await store.heartbeat('gpu-1', NOW + 1000, LEASE_MS, null, LEASE_MS);
        assert.deepEqual(beat, { runningJobIds: ['j1', 'j2'], unlisted: [] });
        assert.equal((await store.getJob('j1'))?.leaseExpiresAt, NOW + 1000 + LEASE_MS);
        assert.equal((await store.getMiner('gpu-1'))?.lastSeenAt, NOW + 1000);
        assert.equal(await store.countRunning('gpu-1'), 2);
      },
    },
    {
      name: 'heartbeat listing its jobs: listed ones extended, older unlisted ones reported, ones claimed since claimedBefore kept',
      async run({ store }) {
        await funded(store, 'alice', 10n * M);
        await registered(store, miner('gpu-1'));
        for (const id of ['listed', 'dropped', 'fresh']) await submitted(store, newJob(id));
        await claimed(store, 'listed', 'gpu-1');
        await claimed(store, 'dropped', 'gpu-1');
        await claimed(store, 'fresh', 'gpu-1', { now: NOW + 500 });
        const beat = await store.heartbeat('gpu-1', NOW + 1000, LEASE_MS, { jobIds: ['listed'], claimedBefore: NOW + 100 }, LEASE_MS);
        assert.deepEqual(beat, { runningJobIds: ['fresh', 'listed'], unlisted: ['dropped'] });
        assert.equal((await store.getJob('listed'))?.leaseExpiresAt, NOW + 1000 + LEASE_MS);
        assert.equal((await store.getJob('dropped'))?.leaseExpiresAt, NOW + LEASE_MS, 'an unlisted job keeps its old lease');
        assert.equal((await store.getJob('fresh'))?.leaseExpiresAt, NOW + 500 + LEASE_MS);
      },
    },
    {
      name: 'modelOffers: online miners only, min and median (even count: lower mean) per model, cheapest per capability set, longest context',
      async run({ store }) {
        await registered(store, miner('m1', { prices: new Map([['demo', 10n], ['big', 100n]]), capabilities: new Map([['demo', { bits: 0b11, contextLength: 4096 }]]) }));
        await registered(store, miner('m2', { prices: new Map([['demo', 20n]]), capabilities: new Map([['demo', { bits: 0b1011, contextLength: 32768 }]]) }));
        await registered(store, miner('m3', { prices: new Map([['demo', 31n]]), capabilities: new Map([['demo', { bits: 0b1011, contextLength: null }]]) }));
        await registered(store, miner('m4', { prices: new Map([['demo', 40n]]) }));
        await registered(store, miner('gone', { prices: new Map([['demo', 1n], ['gone-model', 1n]]) }), NOW - 10_000);
        const offers = await store.modelOffers(NOW - 5_000);
        const demo = offers.find((offer) => offer.model === 'demo');
        assert.deepEqual(offers.map((offer) => offer.model).sort(), ['big', 'demo']);
        assert.equal(demo?.minersOnline, 4);
        assert.equal(demo?.minPriceMicro, 10n);
        assert.equal(demo?.medianPriceMicro, 25n, '(20 + 31) / 2 rounded down');
        assert.deepEqual([...demo!.offerings].sort((a, b) => a.bits - b.bits), [{ bits: 0b11, minPriceMicro: 10n }, { bits: 0b1011, minPriceMicro: 20n }]);
        assert.equal(demo?.contextLength, 32768);
        assert.equal(offers.find((offer) => offer.model === 'big')?.contextLength, null);
        assert.equal(await store.countMinersOnline(NOW - 5_000), 4);
      },
    },
    {
      name: 'listMiners: online first, then score, then id; filtered by model; pages follow on without gaps',
      async run({ store }) {
        for (const id of ['d', 'c', 'a', 'b']) await registered(store, miner(id));
        await registered(store, miner('offline'), NOW - 10_000);
        await registered(store, miner('other-model', { prices: new Map([['x', 1n]]) }));
        // Passed canaries raise b above a, and a above the fresh c and d (tied: by id).
        for (const id of ['a', 'b', 'b']) assert.ok(await store.recordCheck({ minerId: id, kind: 'canary', passed: true, now: NOW }));
        const score = async (id: string) => (await store.getMiner(id))!.track.scorePpm;
        assert.ok((await score('b')) > (await score('a')) && (await score('a')) > (await score('c')), 'the checks moved the scores');
        assert.equal(await score('c'), await score('d'));
        const all = await store.listMiners({ model: 'demo', onlineSince: NOW - 5_000, limit: 10, after: null });
        assert.deepEqual(all.items.map((m) => m.minerId), ['b', 'a', 'c', 'd', 'offline']);
        assert.equal(all.next, null);
        const seen: string[] = [];
        let after = null;
        do {
          const page = await store.listMiners({ model: 'demo', onlineSince: NOW - 5_000, limit: 3, after });
          seen.push(...page.items.map((m) => m.minerId));
          after = page.next;
        } while (after);
        assert.deepEqual(seen, all.items.map((m) => m.minerId));
        assert.equal((await store.listMiners({ model: null, onlineSince: NOW - 5_000, limit: 10, after: null })).items.length, 6);
      },
    },
    {
      name: 'recordCheck counts the outcome in the record; null for an unknown miner',
      async run({ store }) {
        await registered(store, miner('gpu-1'));
        const record = await store.recordCheck({ minerId: 'gpu-1', kind: 'canary', passed: false, now: NOW });
        assert.ok(record);
        assert.deepEqual(record, (await store.getMiner('gpu-1'))!.track);
        assert.equal(await store.recordCheck({ minerId: 'nope', kind: 'canary', passed: true, now: NOW }), null);
      },
    },
    {
      name: 'jobCounts counts every status, zero for the empty ones',
      async run({ store }) {
        await funded(store, 'alice', 10n * M);
        await registered(store, miner('gpu-1'));
        for (const id of ['q1', 'q2', 'r1', 'c1']) await submitted(store, newJob(id));
        await store.claimJob('r1', claimRequest('gpu-1'));
        await store.cancelJob('c1', 'alice', NOW);
        assert.deepEqual(await store.jobCounts(), { queued: 2, running: 1, completed: 0, failed: 0, cancelled: 1, expired: 0 });
      },
    },
  ],
};
