// The caches in front of the per-request lookups (src/services/record-cache.ts, the recent
// market in src/services/miner-directory.ts): what a user notices is that nothing changes — a
// revoked key is refused on its very next request, an expired one at its expiry, though both
// were just served from the cache; a submit is never refused on a market read before. Across
// processes (the bus carrying the drop) see test/scale-out-bus.test.ts.

import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { addressFromPublicKey, generateKeyPair } from '@aitbc/protocol';
import { ManualClock } from '@aitbc/testkit';
import { ADMIN_KEY, startTestCoordinator, submitBody, TestMiner, type TestCoordinator } from '@aitbc/testkit/coordinator';
import { RecordCache } from '../src/services/record-cache.ts';

const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

/** A coordinator whose cached records never lapse on their own: only invalidation can refresh them. */
async function coordinatorCachingForAnHour(clock?: ManualClock): Promise<TestCoordinator> {
  const coordinator = await startTestCoordinator({ recordCacheMs: 3_600_000, ...(clock ? { now: clock.now } : {}) });
  cleanups.push(() => coordinator.close());
  return coordinator;
}

describe('the API key cache', () => {
  test('a key revoked after it was used (and cached) is refused on its next request', async () => {
    const coordinator = await coordinatorCachingForAnHour();
    const created = await coordinator.request('POST', '/v1/admin/keys', { key: ADMIN_KEY, body: { scopes: ['client'] } });
    const key = created.body.key as string;
    assert.equal((await coordinator.request('GET', '/v1/jobs', { key })).status, 200);
    assert.equal((await coordinator.request('GET', '/v1/jobs', { key })).status, 200, 'served from the cache');
    assert.equal((await coordinator.request('DELETE', `/v1/admin/keys/${created.body.key_id}`, { key: ADMIN_KEY })).status, 204);
    const refused = await coordinator.request('GET', '/v1/jobs', { key });
    assert.equal(refused.status, 401);
    assert.equal(refused.body.error_code, 'AUTH_INVALID_KEY');
  });

  test('a cached key is refused once it expires', async () => {
    const clock = new ManualClock();
    const coordinator = await coordinatorCachingForAnHour(clock);
    const key = await coordinator.createKey(['client'], { expires_at: new Date(clock.now() + 60_000).toISOString() });
    assert.equal((await coordinator.request('GET', '/v1/jobs', { key })).status, 200);
    clock.advance(61_000);
    const refused = await coordinator.request('GET', '/v1/jobs', { key });
    assert.equal(refused.status, 401);
    assert.equal(refused.body.error_code, 'AUTH_EXPIRED_KEY');
  });

  test('revoking one key leaves the others working', async () => {
    const coordinator = await coordinatorCachingForAnHour();
    const kept = await coordinator.createKey(['client']);
    const gone = await coordinator.request('POST', '/v1/admin/keys', { key: ADMIN_KEY, body: { scopes: ['client'] } });
    assert.equal((await coordinator.request('GET', '/v1/jobs', { key: kept })).status, 200);
    await coordinator.request('DELETE', `/v1/admin/keys/${gone.body.key_id}`, { key: ADMIN_KEY });
    assert.equal((await coordinator.request('GET', '/v1/jobs', { key: kept })).status, 200);
    assert.equal((await coordinator.request('GET', '/v1/jobs', { key: gone.body.key })).status, 401);
  });
});

describe('the miner cache', () => {
  test('a miner registered again (new payout address) is handed receipt templates for the new one at once', async () => {
    const coordinator = await coordinatorCachingForAnHour();
    const client = await coordinator.createClient('carol', '10');
    const miner = new TestMiner(coordinator, await coordinator.createKey(['miner']), 'moves-wallet');
    assert.equal((await miner.register()).status, 201);
    assert.equal((await miner.poll(0)).status, 204, 'polled once: the miner is cached');
    const payoutAddress = addressFromPublicKey(generateKeyPair().publicKey);
    assert.equal((await miner.register({ payout_address: payoutAddress })).status, 200);
    assert.equal((await coordinator.request('POST', '/v1/jobs', { key: client, body: submitBody() })).status, 201);
    const claim = await miner.poll(0);
    assert.equal(claim.status, 200);
    assert.equal(claim.body.receipt_template.provider, payoutAddress);
  });

  test('a paused miner is refused work at once, though it polled (and was cached) just before', async () => {
    const coordinator = await coordinatorCachingForAnHour();
    const client = await coordinator.createClient('dave', '10');
    const miner = new TestMiner(coordinator, await coordinator.createKey(['miner']), 'to-be-paused');
    assert.equal((await miner.register()).status, 201);
    assert.equal((await miner.poll(0)).status, 204);
    await coordinator.store.updateStanding('to-be-paused', (record) => ({ ...record, pausedAt: Date.now(), pauseReason: 'a failed check', needsReview: true }));
    assert.equal((await coordinator.request('POST', '/v1/jobs', { key: client, body: submitBody() })).status, 201);
    assert.equal((await miner.poll(0)).status, 204, 'a paused miner gets no client job');
  });
});

describe('the market a submit is priced against', () => {
  test('a model whose only miner timed out is refused, though the market was read just before', async () => {
    const clock = new ManualClock();
    const coordinator = await coordinatorCachingForAnHour(clock);
    const client = await coordinator.createClient('alice', '10');
    const miner = new TestMiner(coordinator, await coordinator.createKey(['miner']), 'only-one');
    assert.equal((await miner.register()).status, 201);
    assert.equal((await coordinator.request('POST', '/v1/jobs', { key: client, body: submitBody() })).status, 201);
    clock.advance(31_000);
    const refused = await coordinator.request('POST', '/v1/jobs', { key: client, body: submitBody() });
    assert.equal(refused.status, 422);
    assert.equal(refused.body.error_code, 'VALIDATION_INVALID_MODEL');
  });

  test('a submit too cheap for the market read a moment ago is priced again before it is refused', async () => {
    const a = await coordinatorCachingForAnHour();
    // A second process on the same books, without a bus: A hears nothing of what B registers.
    const b = await startTestCoordinator({ recordCacheMs: 3_600_000 }, undefined, a);
    cleanups.push(() => b.close());
    const client = await a.createClient('bob', '10');
    const dear = new TestMiner(a, await a.createKey(['miner']), 'dear', { 'llama3.2': '0.01' });
    assert.equal((await dear.register()).status, 201);
    const body = submitBody({ params: { max_tokens: 10 }, max_price: '0.05' });
    const tooCheap = await a.request('POST', '/v1/jobs', { key: client, body });
    assert.equal(tooCheap.status, 422, 'A read a market of one miner at 0.01 a token');
    assert.equal(tooCheap.body.field, 'max_price');
    const cheap = new TestMiner(b, await b.createKey(['miner']), 'cheap', { 'llama3.2': '0.001' });
    assert.equal((await cheap.register()).status, 201);
    const accepted = await a.request('POST', '/v1/jobs', { key: client, body });
    assert.equal(accepted.status, 201, accepted.text);
  });
});

describe('RecordCache', () => {
  test('serves a stored value until it lapses, then reads again', async () => {
    let now = 0;
    let reads = 0;
    const cache = new RecordCache<string>(1_000, () => now);
    const load = async () => `v${++reads}`;
    assert.equal(await cache.get('a', load), 'v1');
    now = 999;
    assert.equal(await cache.get('a', load), 'v1');
    now = 1_000;
    assert.equal(await cache.get('a', load), 'v2');
  });

  test('does not store misses', async () => {
    let reads = 0;
    const cache = new RecordCache<string>(1_000, () => 0);
    await cache.get('a', async () => (reads++, null));
    await cache.get('a', async () => (reads++, null));
    assert.equal(reads, 2);
    assert.equal(cache.size, 0);
  });

  test('a read that an invalidation overtook is not stored (it may be the record from before the change)', async () => {
    const cache = new RecordCache<string>(1_000, () => 0);
    let finish!: (value: string) => void;
    const reading = cache.get('a', () => new Promise<string>((resolve) => (finish = resolve)));
    cache.invalidate((key) => key === 'a');
    finish('before the change');
    assert.equal(await reading, 'before the change');
    assert.equal(await cache.get('a', async () => 'after the change'), 'after the change');
  });

  test('invalidate drops only what it picks', async () => {
    const cache = new RecordCache<string>(1_000, () => 0);
    await cache.get('a', async () => 'A');
    await cache.get('b', async () => 'B');
    cache.invalidate((_key, value) => value === 'A');
    assert.equal(await cache.get('a', async () => 'A2'), 'A2');
    assert.equal(await cache.get('b', async () => 'B2'), 'B');
  });
});
