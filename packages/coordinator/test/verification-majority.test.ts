// The majority rule in the coordinator (src/verification/majority.ts): when a re-run disagrees,
// up to two tie-breaks follow, each by a miner of none of the owners so far, and a run fails only
// when three other runs agree against it — the checked miner's or a verifier's.

import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { cheat, DIGEST, VERIFIER, World, crashOnceAt, type Runner } from './verification-world.ts';

const EVERY_JOB = { reexecutionRate: 1, probationReexecutionRate: 1 };

let world: World;
afterEach(() => world.close());

async function checkOf(jobId: string) {
  const [check] = (await world.checks()).filter((entry) => entry.subject_job_id === jobId);
  assert.ok(check, `a check of ${jobId}`);
  return check;
}

async function reexecutionCounts(runner: Runner): Promise<[boolean, number, number]> {
  const view = await world.publicMiner(runner.id);
  return [view.paused, view.reputation.reexecutions_agreed, view.reputation.reexecutions_disagreed];
}

test('a cheater is paused only once three independent re-runs agree against it', async () => {
  world = await World.start(EVERY_JOB);
  const cheater = await world.miner('gpu-x');
  const honest = [await world.miner('gpu-a'), await world.miner('gpu-b'), await world.miner('gpu-c')];
  cheater.answer = cheat;
  const jobId = await world.submit();
  assert.equal((await world.work(cheater))?.job_id, jobId);

  for (const [index, runner] of honest.entries()) {
    const claim = await world.work(runner);
    assert.ok(claim, `run ${index + 1} goes to ${runner.id}`);
    const check = await checkOf(jobId);
    if (index < 2) {
      assert.equal(check.verdict, null, `${index + 1} agreeing run(s) decide nothing`);
      assert.equal(check.tiebreak_job_ids.length, index + 1, 'another run is queued');
      assert.deepEqual(await reexecutionCounts(cheater), [false, 0, 0]);
      const next = await world.job(check.tiebreak_job_ids.at(-1)!);
      assert.deepEqual([next.purpose, next.account, next.requiredDigest, next.subjectJobId], ['tiebreak', VERIFIER, DIGEST, jobId]);
      assert.equal(next.excludedOwners.length, index + 2, 'every owner that ran it so far is excluded');
    }
  }
  const check = await checkOf(jobId);
  assert.deepEqual([check.verdict, check.tiebreak_job_ids.length, check.failed_miner_ids], ['disagree', 2, ['gpu-x']]);
  assert.match(check.detail!, /3 independent runs agree against it/);
  assert.deepEqual(await reexecutionCounts(cheater), [true, 0, 1]);
  for (const runner of honest) assert.deepEqual(await reexecutionCounts(runner), [false, 1, 0]);
  assert.equal(await world.poolSize(), 0, "a failed run's job is no canary");
  assert.deepEqual(await world.drain(...honest), [], 'no fourth run');
});

test('two cheaters writing the same wrong text cannot fail an honest miner: inconclusive, nobody counted', async () => {
  world = await World.start(EVERY_JOB);
  const [honest, copyA, copyB, honest2] = [await world.miner('gpu-h'), await world.miner('gpu-c1'), await world.miner('gpu-c2'), await world.miner('gpu-h2')];
  copyA.answer = cheat;
  copyB.answer = cheat;
  const jobId = await world.submit();
  for (const runner of [honest, copyA, copyB, honest2]) assert.ok(await world.work(runner), `${runner.id} runs it`);

  const check = await checkOf(jobId);
  assert.deepEqual([check.verdict, check.tiebreak_job_ids.length], ['inconclusive', 2]);
  assert.match(check.detail!, /no 3 agree/);
  for (const runner of [honest, copyA, copyB, honest2]) assert.deepEqual(await reexecutionCounts(runner), [false, 0, 0], runner.id);
  assert.equal(await world.poolSize(), 0);
});

test('a lying verifier is the one that fails: the checked miner passes and its job becomes a canary', async () => {
  world = await World.start(EVERY_JOB);
  const [subject, liar, t, u] = [await world.miner('gpu-s'), await world.miner('gpu-v'), await world.miner('gpu-t'), await world.miner('gpu-u')];
  liar.answer = cheat;
  const jobId = await world.submit();
  for (const runner of [subject, liar, t, u]) assert.ok(await world.work(runner), `${runner.id} runs it`);

  const check = await checkOf(jobId);
  assert.deepEqual([check.miner_id, check.verdict], ['gpu-s', 'agree']);
  assert.match(check.detail!, /the re-run of gpu-v failed/);
  assert.deepEqual(check.failed_miner_ids, ['gpu-v']);
  const liarChecks = await world.checks('gpu-v');
  assert.ok(liarChecks.some((entry) => entry.check_id === check.check_id), "the miner filter finds the check that failed gpu-v's run as a verifier");
  assert.ok(!(await world.checks('gpu-t')).some((entry) => entry.check_id === check.check_id), 'not one gpu-t passed as a verifier');
  assert.deepEqual(await reexecutionCounts(liar), [true, 0, 1]);
  assert.match((await world.publicMiner('gpu-v')).pause_reason, /failed a re-execution/);
  for (const runner of [subject, t, u]) assert.deepEqual(await reexecutionCounts(runner), [false, 1, 0], runner.id);
  assert.equal(await world.poolSize(), 1);
});

test('a tie-break lost to a crash is queued by the sweeper, exactly once', async () => {
  const crashOnce = crashOnceAt('startTiebreak');
  world = await World.start(EVERY_JOB, crashOnce);
  const [cheater, a, b, c] = [await world.miner('gpu-x'), await world.miner('gpu-a'), await world.miner('gpu-b'), await world.miner('gpu-c')];
  cheater.answer = cheat;
  const jobId = await world.submit();
  assert.ok(await world.work(cheater));
  assert.ok(await world.work(a), 'the re-run (its completion still succeeds)');
  assert.deepEqual((await checkOf(jobId)).tiebreak_job_ids, [], 'the tie-break was lost');

  await world.coordinator.services.sweeper.sweepOnce();
  await world.coordinator.services.sweeper.sweepOnce();
  assert.equal((await checkOf(jobId)).tiebreak_job_ids.length, 1);
  assert.ok(await world.work(b));
  assert.ok(await world.work(c));
  assert.deepEqual([(await checkOf(jobId)).verdict, await reexecutionCounts(cheater)], ['disagree', [true, 0, 1]]);
});
