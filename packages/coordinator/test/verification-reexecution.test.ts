// Sampled re-execution (rate 1 here): every client job is re-run by a miner of another owner with
// the same weights, paid by the verification account; agreeing runs fill the canary pool; a
// verdict lost to a crash is decided by the sweeper, once.

import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseAmount } from '@aitbc/protocol';
import { ADMIN_KEY, TestMiner } from '@aitbc/testkit/coordinator';
import { DIGEST, Runner, VERIFIER, World, crashOnceAt } from './verification-world.ts';

const EVERY_JOB = { reexecutionRate: 1, probationReexecutionRate: 1 };

let world: World;
afterEach(() => world.close());

test('with re-execution at rate 1, every client job is re-run by another owner with the same digest; all agree, the pool fills, the verifier pays exactly the re-runs', async () => {
  world = await World.start(EVERY_JOB);
  const runners = [await world.miner('gpu-a'), await world.miner('gpu-b'), await world.miner('gpu-c')];
  const clientJobs = [await world.submit(), await world.submit(), await world.submit()];
  const claims = await world.drain(...runners);
  assert.equal(claims.length, 6, 'three client jobs and three re-runs');

  const rerunPrices: bigint[] = [];
  for (const jobId of clientJobs) {
    const subject = await world.job(jobId);
    const [check] = (await world.checks()).filter((entry) => entry.subject_job_id === jobId);
    assert.ok(check, `a check of ${jobId}`);
    assert.deepEqual([check.kind, check.miner_id, check.verdict, check.tiebreak_job_ids], ['reexecution', subject.minerId, 'agree', []]);
    const rerun = await world.job(check.check_job_id);
    assert.deepEqual([rerun.purpose, rerun.account, rerun.status, rerun.requiredDigest, rerun.modelDigest], ['reexecution', VERIFIER, 'completed', DIGEST, DIGEST]);
    assert.notEqual(rerun.minerId, subject.minerId, 'never the same miner');
    assert.deepEqual(rerun.params, subject.params, 'the same parameters, seed included');
    assert.equal(typeof subject.params.seed, 'number');
    rerunPrices.push(rerun.priceMicro!);
  }

  // What a miner sees of a re-run is what it sees of a client job: same fields, same client.
  const byJob = new Map(claims.map(({ claim }) => [claim.job_id, claim]));
  const clientClaim = byJob.get(clientJobs[0]!)!;
  for (const check of await world.checks()) {
    const rerunClaim = byJob.get(check.check_job_id)!;
    assert.deepEqual(Object.keys(rerunClaim).sort(), Object.keys(clientClaim).sort());
    assert.deepEqual(Object.keys(rerunClaim.receipt_template).sort(), Object.keys(clientClaim.receipt_template).sort());
    assert.equal(rerunClaim.client, 'alice');
    assert.equal(rerunClaim.receipt_template.client, 'alice');
  }

  for (const runner of runners) {
    const view = await world.publicMiner(runner.id);
    assert.deepEqual([view.paused, view.pause_reason, view.needs_review], [false, null, false]);
    assert.equal(view.reputation.reexecutions_disagreed, 0);
  }
  const agreed = (await Promise.all(runners.map((runner) => world.publicMiner(runner.id)))).reduce((sum, view) => sum + view.reputation.reexecutions_agreed, 0);
  assert.equal(agreed, 6, 'each agreement counts for the checked miner and the verifier');
  assert.equal(await world.poolSize(), 3, 'every agreement is a canary');

  const verifier = await world.coordinator.request('GET', `/v1/admin/accounts/${VERIFIER}`, { key: ADMIN_KEY });
  const spent = rerunPrices.reduce((sum, price) => sum + price, 0n);
  const account = await world.coordinator.store.getAccount(VERIFIER);
  assert.equal(account.availableMicro, parseAmount('1000') - spent, verifier.text);
  assert.equal(account.escrowedMicro, 0n);
});

test('a verification account that cannot pay skips the check and counts it; the client job is untouched', async () => {
  world = await World.start({ ...EVERY_JOB, account: 'empty-account' });
  const [a, b] = [await world.miner('gpu-a'), await world.miner('gpu-b')];
  const jobId = await world.submit();
  assert.equal((await world.work(a))?.job_id, jobId);
  assert.equal((await world.job(jobId)).status, 'completed');
  assert.equal(await world.work(b), null, 'no re-run was made');
  assert.deepEqual(await world.checks(), []);
  const metrics = await world.coordinator.request('GET', '/metrics');
  assert.match(metrics.text, /aitbc_checks_skipped_total\{reason="insufficient_balance"\} 1/);
});

test('a version-1 receipt names no weights: its job is not re-executed, and the skip is counted', async () => {
  world = await World.start(EVERY_JOB);
  const legacy = new TestMiner(world.coordinator, await world.coordinator.createKey(['miner']), 'gpu-old', { 'llama3.2': '0.002' });
  assert.equal((await legacy.register()).status, 201, 'no digests advertised: version-1 receipts');
  const other = await world.miner('gpu-b');
  const jobId = await world.submit();
  const claim = await world.poll(new Runner(legacy));
  assert.equal(claim?.receipt_template.version, 1);
  assert.equal((await legacy.complete(jobId, legacy.completion(claim as never, 'an answer', undefined, world.clock.now()))).status, 200);
  assert.equal((await world.job(jobId)).modelDigest, null);
  assert.equal(await world.work(other), null, 'no re-run was made');
  assert.deepEqual(await world.checks(), []);
  const metrics = await world.coordinator.request('GET', '/metrics');
  assert.match(metrics.text, /aitbc_checks_skipped_total\{reason="no_digest"\} 1/);
});

test('a crash between a check job completing and its verdict: the sweeper decides it, exactly once', async () => {
  const crashOnce = crashOnceAt('decideCheck');
  world = await World.start(EVERY_JOB, crashOnce);
  const [a, b] = [await world.miner('gpu-a'), await world.miner('gpu-b')];
  const jobId = await world.submit();
  assert.equal((await world.work(a))?.job_id, jobId);
  const rerun = await world.work(b);
  assert.ok(rerun, 'b re-runs it (and its completion still succeeds)');
  assert.equal((await world.job(rerun.job_id)).status, 'completed');
  assert.equal((await world.checks())[0]!.verdict, null, 'the verdict was lost');

  await world.coordinator.services.sweeper.sweepOnce();
  await world.coordinator.services.sweeper.sweepOnce();
  const [check] = await world.checks();
  assert.equal(check!.verdict, 'agree');
  assert.equal((await world.publicMiner('gpu-a')).reputation.reexecutions_agreed, 1, 'counted once');
  assert.equal((await world.publicMiner('gpu-b')).reputation.reexecutions_agreed, 1);
  assert.equal(await world.poolSize(), 1);
});

test('a re-run nobody completes before its deadline is abandoned and refunded; nobody is counted', async () => {
  world = await World.start(EVERY_JOB);
  const a = await world.miner('gpu-a');
  const jobId = await world.submit({ ttl_seconds: 60 });
  assert.equal((await world.work(a))?.job_id, jobId);
  assert.equal(await world.work(a), null, 'its own re-run is not for it');
  world.clock.advance(61_000);
  await world.coordinator.services.sweeper.sweepOnce();
  const [check] = await world.checks();
  assert.equal(check!.verdict, 'abandoned');
  assert.equal((await world.job(check!.check_job_id)).status, 'expired');
  assert.equal((await world.coordinator.store.getAccount(VERIFIER)).availableMicro, parseAmount('1000'));
  assert.equal((await world.publicMiner('gpu-a')).reputation.reexecutions_agreed, 0);
});

test("a trusted miner is never checked; its client jobs become canaries, which another miner's completion then meets", async () => {
  world = await World.start({ ...EVERY_JOB, canaryRate: 1, probationCanaryRate: 1, trustedMiners: new Set(['gpu-own']) });
  const [own, other] = [await world.miner('gpu-own'), await world.miner('gpu-b')];
  const trustedJob = await world.submit();
  assert.equal((await world.work(own))?.job_id, trustedJob);
  assert.deepEqual(await world.checks(), [], 'nothing checks a trusted miner');
  assert.equal(await world.poolSize(), 1);

  const clientJob = await world.submit();
  assert.equal((await world.work(other))?.job_id, clientJob);
  const canary = await world.work(other);
  assert.ok(canary, 'a canary pinned to it, from the trusted run');
  assert.equal((await world.job(canary.job_id)).prompt, (await world.job(trustedJob)).prompt);
  assert.ok(await world.work(own), 'the trusted miner re-runs the client job');
  const verdicts = (await world.checks('gpu-b')).map((check) => [check.kind, check.verdict]).sort();
  assert.deepEqual(verdicts, [['canary', 'agree'], ['reexecution', 'agree']]);
  assert.equal((await world.publicMiner('gpu-b')).reputation.canaries_passed, 1);
});
