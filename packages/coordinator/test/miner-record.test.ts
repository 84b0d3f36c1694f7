// Each miner's track record and score: every event moves its counter in the event's own
// transaction, uptime grows only between close heartbeats, and the public miner list pages,
// filters and orders by it without showing anything a miner's owner would keep private.

import { afterEach, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '@aitbc/testkit';
import { startWithMiner, submitBody, TestMiner, type TestCoordinator } from '@aitbc/testkit/coordinator';
import { SqliteStore } from '../src/store/sqlite/sqlite-store.ts';
import { minerScorePpm } from '../src/reputation/score.ts';

let coordinator: TestCoordinator;
let clock: ManualClock;
let client: string;
let minerKey: string;
let miner: TestMiner;

const MINER_TIMEOUT_S = 30;

beforeEach(async () => {
  ({ coordinator, clock, client, minerKey, miner } = await startWithMiner({ config: { minerTimeoutSeconds: MINER_TIMEOUT_S, maxAttempts: 3 }, slots: 4 }));
});

afterEach(async () => {
  await coordinator.assertLedger();
  await coordinator.close();
});

async function submit(): Promise<string> {
  const answer = await coordinator.request('POST', '/v1/jobs', { key: client, body: submitBody() });
  assert.equal(answer.status, 201, answer.text);
  return answer.body.job_id;
}

/** The public view's reputation block (no key: anyone may read it). */
async function reputation(minerId = miner.minerId) {
  const answer = await coordinator.request('GET', `/v1/miners/${minerId}`);
  assert.equal(answer.status, 200, answer.text);
  return answer.body.reputation;
}

const ZERO = {
  score: 0,
  paused: false,
  verified_jobs: 0,
  jobs_completed: 0,
  jobs_failed: 0,
  lease_lapses: 0,
  canaries_passed: 0,
  canaries_failed: 0,
  reexecutions_agreed: 0,
  reexecutions_disagreed: 0,
  uptime_s: 0,
};

/** The counters only, to compare before and after an event. */
const counters = ({ score: _score, first_seen_at: _first, ...rest }: Record<string, unknown>) => rest;

describe('the track record', () => {
  test('a new miner starts at zero, first seen at its registration', async () => {
    const record = await reputation();
    assert.deepEqual(record, { ...ZERO, first_seen_at: new Date(clock.now()).toISOString() });
    clock.advance(5_000);
    assert.equal((await miner.register()).status, 200, 're-registration');
    assert.equal((await reputation()).first_seen_at, record.first_seen_at, 'updating a registration keeps the first sighting');
  });

  test('a completion counts once and raises the score; a refused second completion counts nothing', async () => {
    const jobId = await submit();
    const claim = await miner.poll(0);
    const body = miner.completion(claim.body, 'fine', undefined, clock.now());
    assert.equal((await miner.complete(jobId, body)).status, 200);
    const after = await reputation();
    assert.deepEqual(counters(after), counters({ ...ZERO, jobs_completed: 1 }));
    assert.ok(after.score > 0, `score ${after.score}`);
    assert.equal((await miner.complete(jobId, body)).status, 409);
    assert.deepEqual(await reputation(), after);
  });

  test('a failure the miner reports counts as a failure, each time, and lowers the score', async () => {
    const done = await submit();
    const claim = await miner.poll(0);
    assert.equal((await miner.complete(done, miner.completion(claim.body, 'ok', undefined, clock.now()))).status, 200);
    const before = await reputation();
    const jobId = await submit();
    await miner.poll(0);
    assert.equal((await miner.fail(jobId, 'CUDA out of memory', true)).body.status, 'queued');
    assert.equal((await miner.poll(0)).body.job_id, jobId);
    assert.equal((await miner.fail(jobId, 'CUDA out of memory', false)).body.status, 'failed');
    const after = await reputation();
    assert.deepEqual(counters(after), counters({ ...ZERO, jobs_completed: 1, jobs_failed: 2 }));
    assert.ok(after.score < before.score, `${after.score} < ${before.score}`);
  });

  test('a lease the sweeper takes back is a lapse, not a failure, whether the job is re-queued or failed', async () => {
    const jobId = await submit();
    for (const attempt of [1, 2, 3]) {
      assert.equal((await miner.poll(0)).body.attempt, attempt);
      clock.advance(60_001);
      await coordinator.services.sweeper.sweepOnce();
      assert.equal((await reputation()).lease_lapses, attempt);
    }
    const job = await coordinator.request('GET', `/v1/jobs/${jobId}`, { key: client });
    assert.equal(job.body.status, 'failed');
    assert.deepEqual(counters(await reputation()), counters({ ...ZERO, lease_lapses: 3 }));
  });

  test('a job missing from the heartbeat is a lapse; a job claimed as the heartbeat left is not', async () => {
    const jobId = await submit();
    await miner.poll(0);
    clock.advance(20_000); // past the grace for a claim that crossed the heartbeat on the wire
    const recent = await submit();
    await miner.poll(0);
    const beat = await coordinator.request('POST', '/v1/miners/heartbeat', { key: minerKey, body: { miner_id: miner.minerId, jobs: [] } });
    assert.deepEqual(beat.body.lapsed_jobs, [jobId]);
    assert.deepEqual(beat.body.running_jobs, [recent]);
    const record = await reputation();
    assert.equal(record.lease_lapses, 1);
    assert.equal(record.jobs_failed, 0);
  });

  test('checks are recorded by kind and outcome; passed ones are verified jobs, a failed one sinks the score', async () => {
    const store = coordinator.store;
    const now = clock.now();
    await store.recordCheck({ minerId: miner.minerId, kind: 'canary', passed: true, now });
    await store.recordCheck({ minerId: miner.minerId, kind: 'canary', passed: true, now });
    const recorded = await store.recordCheck({ minerId: miner.minerId, kind: 'reexecution', passed: true, now });
    assert.equal(recorded?.canariesPassed, 2);
    const trusted = await reputation();
    assert.deepEqual(counters(trusted), counters({ ...ZERO, canaries_passed: 2, reexecutions_agreed: 1, verified_jobs: 3 }));
    await store.recordCheck({ minerId: miner.minerId, kind: 'reexecution', passed: false, now });
    await store.recordCheck({ minerId: miner.minerId, kind: 'canary', passed: false, now });
    const caught = await reputation();
    assert.deepEqual(counters(caught), counters({ ...ZERO, canaries_passed: 2, canaries_failed: 1, reexecutions_agreed: 1, reexecutions_disagreed: 1, verified_jobs: 3 }));
    assert.ok(caught.score < trusted.score / 4, `${caught.score} after two failed checks, from ${trusted.score}`);
    assert.equal(await store.recordCheck({ minerId: 'nobody', kind: 'canary', passed: true, now }), null);
  });

  test('uptime adds the time between heartbeats no further apart than the miner timeout', async () => {
    for (const [gapMs, uptimeS] of [
      [10_000, 10],
      [MINER_TIMEOUT_S * 1000, 40],
      [MINER_TIMEOUT_S * 1000 + 1, 40], // offline in between: none of the gap counts
      [5_000, 45],
    ] as const) {
      clock.advance(gapMs);
      assert.equal((await miner.heartbeat()).status, 200);
      assert.equal((await reputation()).uptime_s, uptimeS, `after a gap of ${gapMs} ms`);
    }
    // A re-registration (a restart) starts a new run: the gap before it is not counted.
    clock.advance(20_000);
    await miner.register();
    clock.advance(1_000);
    await miner.heartbeat();
    assert.equal((await reputation()).uptime_s, 46);
  });
});

describe('a database from before the record (migration 006)', () => {
  test('completions are counted from its jobs, the rest starts at zero, and the score is set at open', async () => {
    const jobId = await submit();
    const claim = await miner.poll(0);
    assert.equal((await miner.complete(jobId, miner.completion(claim.body, 'fine', undefined, clock.now()))).status, 200);
    const failing = await submit();
    await miner.poll(0);
    assert.equal((await miner.fail(failing, 'OOM', false)).body.status, 'failed');
    // Back to version 5: no record table, no memory of having made it.
    coordinator.sqlite.db.exec('DROP TABLE miner_record; DELETE FROM schema_migrations WHERE version = 6');
    const reopened = new SqliteStore({ path: coordinator.sqlite.db.name });
    try {
      const track = (await reopened.getMiner(miner.minerId))!.track;
      assert.equal(track.jobsCompleted, 1);
      assert.equal(track.jobsFailed, 0, 'failures before the record are not known');
      assert.equal(track.firstSeenAt, (await reopened.getMiner(miner.minerId))!.registeredAt);
      assert.equal(track.scorePpm, minerScorePpm(track));
      assert.ok(track.scorePpm > 0);
    } finally {
      await reopened.close();
    }
  });
});

describe('counters share the event\'s transaction', () => {
  test('when the record cannot be written, the completion is undone: job running, no receipt, no payout', async () => {
    const jobId = await submit();
    const claim = await miner.poll(0);
    coordinator.sqlite.db.exec(
      "CREATE TEMP TRIGGER refuse_record AFTER UPDATE OF jobs_completed ON miner_record BEGIN SELECT RAISE(ABORT, 'record refused'); END",
    );
    const refused = await miner.complete(jobId, miner.completion(claim.body, 'fine', undefined, clock.now()));
    assert.equal(refused.status, 500, refused.text);
    assert.doesNotMatch(refused.text, /record refused|miner_record/, 'no SQL detail leaks');
    const job = await coordinator.request('GET', `/v1/jobs/${jobId}`, { key: client });
    assert.equal(job.body.status, 'running');
    assert.equal(job.body.receipt_id, null);
    assert.equal((await coordinator.store.minerEarnings(miner.minerId, clock.now())).earnedMicro, 0n);
    coordinator.sqlite.db.exec('DROP TRIGGER refuse_record');
    assert.equal((await miner.complete(jobId, miner.completion(claim.body, 'fine', undefined, clock.now()))).body.status, 'completed');
    assert.equal((await reputation()).jobs_completed, 1);
  });

  test('when the completion fails inside the store, its counter does not move', async () => {
    const jobId = await submit();
    const claim = await miner.poll(0);
    coordinator.sqlite.db.exec("CREATE TEMP TRIGGER refuse_payout BEFORE INSERT ON ledger WHEN NEW.kind = 'payout' BEGIN SELECT RAISE(ABORT, 'payout refused'); END");
    assert.equal((await miner.complete(jobId, miner.completion(claim.body, 'fine', undefined, clock.now()))).status, 500);
    assert.deepEqual(await reputation(), { ...ZERO, first_seen_at: new Date(clock.now()).toISOString() });
    coordinator.sqlite.db.exec('DROP TRIGGER refuse_payout');
  });

  test('when a lapse sweep fails, neither the jobs nor the counters move', async () => {
    const jobId = await submit();
    await miner.poll(0);
    clock.advance(60_001);
    coordinator.sqlite.db.exec("CREATE TEMP TRIGGER refuse_requeue BEFORE UPDATE OF status ON jobs WHEN NEW.status = 'queued' BEGIN SELECT RAISE(ABORT, 'requeue refused'); END");
    await assert.rejects(coordinator.store.requeueLapsed(clock.now(), 3));
    assert.equal((await reputation()).lease_lapses, 0);
    assert.equal((await coordinator.request('GET', `/v1/jobs/${jobId}`, { key: client })).body.status, 'running');
    coordinator.sqlite.db.exec('DROP TRIGGER refuse_requeue');
    assert.deepEqual(await coordinator.store.requeueLapsed(clock.now(), 3), { requeued: 1, failed: 0 });
    assert.equal((await reputation()).lease_lapses, 1);
  });
});

describe('GET /v1/miners', () => {
  /** Registers miners with `passed` canaries each; `stale` ones then fall silent past the timeout. */
  async function field() {
    const owners = [minerKey, await coordinator.createKey(['miner'])];
    const specs: { id: string; models: Record<string, string>; passed: number; stale: boolean }[] = [
      { id: 'stale-best', models: { 'llama3.2': '0.001' }, passed: 9, stale: true },
      { id: 'stale-zero', models: { 'mistral': '0.001' }, passed: 0, stale: true },
      { id: 'a-top', models: { 'llama3.2': '0.003', 'mistral': '0.002' }, passed: 5, stale: false },
      { id: 'b-mid', models: { 'mistral': '0.002' }, passed: 2, stale: false },
      { id: 'c-mid', models: { 'llama3.2': '0.002' }, passed: 2, stale: false },
      { id: 'd-new', models: { 'llama3.2': '0.002' }, passed: 0, stale: false },
    ];
    const miners = specs.map((spec, i) => new TestMiner(coordinator, owners[i % 2]!, spec.id, spec.models));
    for (const [i, spec] of specs.entries()) {
      assert.equal((await miners[i]!.register({ gpu: { name: 'RTX 4090', memory_gb: 24 } })).status, 201);
      for (let n = 0; n < spec.passed; n++) await coordinator.store.recordCheck({ minerId: spec.id, kind: 'canary', passed: true, now: clock.now() });
    }
    clock.advance(MINER_TIMEOUT_S * 1000 + 1);
    for (const [i, spec] of specs.entries()) if (!spec.stale) await miners[i]!.heartbeat();
    await miner.heartbeat(); // gpu-box-1, online with no record
    return { owners };
  }

  async function everyPage(query: string, limit: number): Promise<{ items: Record<string, any>[]; pages: number }> {
    const items: Record<string, any>[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const answer = await coordinator.request('GET', `/v1/miners?limit=${limit}${query}${cursor ? `&cursor=${cursor}` : ''}`);
      assert.equal(answer.status, 200, answer.text);
      assert.ok(answer.body.items.length <= limit);
      items.push(...answer.body.items);
      cursor = answer.body.next_cursor;
      pages++;
    } while (cursor !== null && pages < 20);
    return { items, pages };
  }

  test('online first, then by score, then by id; pages cover every miner once', async () => {
    await field();
    const { items, pages } = await everyPage('', 2);
    assert.equal(pages, 4);
    assert.deepEqual(
      items.map((item) => item.miner_id),
      ['a-top', 'b-mid', 'c-mid', 'd-new', 'gpu-box-1', 'stale-best', 'stale-zero'],
    );
    assert.deepEqual(items.map((item) => item.status), ['online', 'online', 'online', 'online', 'online', 'offline', 'offline']);
    const scores = items.slice(0, 5).map((item) => item.reputation.score);
    assert.deepEqual(scores, [...scores].sort((a, b) => b - a));
    assert.ok(items[5]!.reputation.score > items[0]!.reputation.score, 'an offline miner ranks last whatever its score');
    assert.equal(items[0]!.reputation.verified_jobs, 5);
    // One page at the default size holds them all, in the same order.
    const whole = await coordinator.request('GET', '/v1/miners');
    assert.deepEqual(whole.body.items, items);
    assert.equal(whole.body.next_cursor, null);
  });

  test('?model= lists only the miners offering it', async () => {
    await field();
    const { items } = await everyPage('&model=mistral', 1);
    assert.deepEqual(items.map((item) => item.miner_id), ['a-top', 'b-mid', 'stale-zero']);
    for (const item of items) assert.ok(item.models.includes('mistral'));
    assert.deepEqual((await coordinator.request('GET', '/v1/miners?model=nothing-offers-this')).body, { items: [], next_cursor: null });
  });

  test('an item is the public miner view: the same as GET /v1/miners/{id}, with no key, owner or account in it', async () => {
    const { owners } = await field();
    const answer = await coordinator.request('GET', '/v1/miners');
    for (const item of answer.body.items) {
      assert.deepEqual(item, (await coordinator.request('GET', `/v1/miners/${item.miner_id}`)).body);
      assert.deepEqual(Object.keys(item).sort(), [
        'capabilities', 'digests', 'gpu', 'last_seen_at', 'max_concurrency', 'miner_id', 'models', 'needs_review', 'pause_reason', 'paused', 'payout_address', 'prices', 'public_key', 'registered_at', 'reputation', 'status',
      ]);
      assert.deepEqual(Object.keys(item.reputation).sort(), [...Object.keys(ZERO), 'first_seen_at'].sort());
    }
    const keys = await coordinator.store.listKeys();
    for (const secret of [...owners, client, ...keys.map((key) => key.keyId), ...keys.map((key) => key.keyHash), 'owner', 'alice']) {
      assert.ok(!answer.text.includes(secret), `the list shows ${secret}`);
    }
  });

  test('bad paging, filters and forged cursors get the envelope with the field', async () => {
    for (const [query, field] of [
      ['limit=0', 'limit'],
      ['limit=101', 'limit'],
      ['limit=two', 'limit'],
      ['model=bad%20model', 'model'],
      ['cursor=bm9wZQ', 'cursor'], // "nope"
      [`cursor=${Buffer.from('1:1000001:a-top').toString('base64url')}`, 'cursor'],
      [`cursor=${Buffer.from("1:5:a' OR 1=1 --").toString('base64url')}`, 'cursor'],
      ['owner=me', 'owner'],
    ] as const) {
      const answer = await coordinator.request('GET', `/v1/miners?${query}`);
      assert.equal(answer.status, 422, `${query}: ${answer.text}`);
      assert.equal(answer.body.error_code.startsWith('VALIDATION_'), true, query);
      assert.equal(answer.body.field, field, query);
    }
  });
});
