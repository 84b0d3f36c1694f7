// Canary confirmation (src/verification/majority.ts): a canary answer that disagrees with an entry
// two miners agreed on is judged with their runs, so it needs one confirming run by a miner of
// another owner that never ran the job; three runs against the canary's fail its miner, and a
// confirming run siding with it withdraws the entry (two cheaters had agreed on it).

import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { cheat, DIGEST, VERIFIER, World, crashOnceAt, type Runner } from './verification-world.ts';

const CANARIES_ONLY = { reexecutionRate: 0, probationReexecutionRate: 0, canaryRate: 1, probationCanaryRate: 1 };
const NO_SAMPLING = { reexecutionRate: 0, probationReexecutionRate: 0, canaryRate: 0, probationCanaryRate: 0 };

let world: World;
afterEach(() => world.close());

/** A client job run by `first` and re-run by `second`, whose agreement becomes the pool's one entry; then only canaries are sent. */
async function poolEntryFrom(first: Runner, second: Runner): Promise<string> {
  const jobId = await world.submit();
  assert.equal((await world.work(first))?.job_id, jobId);
  assert.ok(await world.work(second), 'the re-run');
  assert.equal(await world.poolSize(), 1);
  world.setRates(CANARIES_ONLY);
  return jobId;
}

/** `runner` runs a client job, which sends it the entry as a canary, and answers it; the canary check. */
async function answerCanary(runner: Runner) {
  const clientJob = await world.submit();
  assert.equal((await world.work(runner))?.job_id, clientJob);
  const canary = await world.work(runner);
  assert.ok(canary, 'a canary follows its client job');
  assert.equal((await world.job(canary.job_id)).purpose, 'canary');
  const [check] = (await world.checks(runner.id)).filter((entry) => entry.check_job_id === canary.job_id);
  assert.ok(check, 'the canary check');
  return check;
}

async function checkById(checkId: number) {
  const check = (await world.checks()).find((entry) => entry.check_id === checkId);
  assert.ok(check);
  return check;
}

test('a canary answer against an agreement waits for a confirming run; three runs against it fail its miner', async () => {
  world = await World.start({ reexecutionRate: 1, probationReexecutionRate: 1 });
  const [a, b, cheater, confirmer] = [await world.miner('gpu-a'), await world.miner('gpu-b'), await world.miner('gpu-x'), await world.miner('gpu-c')];
  await poolEntryFrom(a, b);
  cheater.answer = cheat;

  const check = await answerCanary(cheater);
  assert.equal(check.verdict, null, 'two runs against one decide nothing');
  assert.equal(check.tiebreak_job_ids.length, 1, 'one confirming run is queued');
  assert.equal((await world.publicMiner('gpu-x')).paused, false);
  const confirmation = await world.job(check.tiebreak_job_ids[0]!);
  assert.deepEqual([confirmation.purpose, confirmation.subjectJobId, confirmation.account, confirmation.requiredDigest, confirmation.pinnedMinerId], ['tiebreak', check.check_job_id, VERIFIER, DIGEST, null]);
  assert.equal(confirmation.excludedOwners.length, 3, 'the owners of both agreeing runs and of the canary miner are excluded');
  assert.deepEqual(await world.drain(a, b, cheater), [], 'nobody that ran the job may confirm it');

  assert.equal((await world.work(confirmer))?.job_id, confirmation.jobId);
  const decided = await checkById(check.check_id);
  assert.deepEqual([decided.verdict, decided.failed_miner_ids], ['disagree', ['gpu-x']]);
  assert.match(decided.detail!, /3 independent runs agree against it/);
  const view = await world.publicMiner('gpu-x');
  assert.deepEqual([view.paused, view.reputation.canaries_failed], [true, 1]);
  assert.match(view.pause_reason, /canary/);
  assert.equal(await world.coordinator.store.openCanaries('gpu-c'), 0, 'the confirmer is never sent the entry it ran as a canary');
});

test('a canary is an entry no other miner was sent while there is one, so a miner outside its evidence can confirm a disagreement', async () => {
  world = await World.start({ reexecutionRate: 1, probationReexecutionRate: 1 });
  const [a, b, honest, cheater] = [await world.miner('gpu-a'), await world.miner('gpu-b'), await world.miner('gpu-h'), await world.miner('gpu-x')];
  for (let i = 0; i < 2; i++) {
    await world.submit();
    assert.ok(await world.work(a));
    assert.ok(await world.work(b), 'the re-run');
  }
  assert.equal(await world.poolSize(), 2);
  // The honest miner is sent one entry and answers it; nothing follows its canary.
  world.setRates(CANARIES_ONLY);
  await world.submit();
  assert.ok(await world.work(honest));
  world.setRates(NO_SAMPLING);
  assert.ok(await world.work(honest));
  world.setRates(CANARIES_ONLY);

  cheater.answer = cheat;
  const check = await answerCanary(cheater);
  assert.equal((await world.work(honest))?.job_id, check.tiebreak_job_ids[0], 'the honest miner ran no job of that entry: it confirms');
  const decided = await checkById(check.check_id);
  assert.deepEqual([decided.verdict, decided.failed_miner_ids], ['disagree', ['gpu-x']]);
  assert.equal((await world.publicMiner('gpu-x')).paused, true);
});

test('a paused miner whose canary answer awaits its confirming run is sent no other canary: it cannot pass its way back meanwhile', async () => {
  world = await World.start({ reexecutionRate: 1, probationReexecutionRate: 1 }, crashOnceAt('decideCheck'));
  const [a, b, c, cheater] = [await world.miner('gpu-a'), await world.miner('gpu-b'), await world.miner('gpu-c'), await world.miner('gpu-x')];
  // Its honest job, whose verdict is lost to a crash: the sweeper decides it (counting it) later.
  const earlier = await world.submit();
  assert.equal((await world.work(cheater))?.job_id, earlier);
  assert.ok(await world.work(a), 'the re-run');
  for (let i = 0; i < 3; i++) await world.submit();
  await world.drain(a, b, c);

  cheater.answer = cheat;
  await world.submit();
  assert.ok(await world.work(cheater));
  await world.drain(a, b, c);
  assert.equal((await world.publicMiner('gpu-x')).paused, true);
  const canary = await world.work(cheater);
  assert.ok(canary, 'its canary, answered wrong');
  const [check] = (await world.checks('gpu-x')).filter((entry) => entry.check_job_id === canary.job_id);
  assert.deepEqual([check!.verdict, check!.tiebreak_job_ids.length], [null, 1], 'awaiting its confirming run');

  await world.coordinator.services.sweeper.sweepOnce();
  assert.equal((await world.checks('gpu-x')).find((entry) => entry.subject_job_id === earlier)?.verdict, 'agree');
  assert.equal(await world.poll(cheater), null, 'no second canary while the first awaits its verdict');

  assert.equal((await world.drain(a, b, c)).length, 1, 'the confirming run');
  const view = await world.publicMiner('gpu-x');
  assert.deepEqual([view.paused, view.needs_review, view.reputation.canaries_failed], [true, true, 1]);
});

test('a confirming run siding with the canary miner: inconclusive, nobody counted, the entry is withdrawn and never sent again', async () => {
  world = await World.start({ reexecutionRate: 1, probationReexecutionRate: 1 });
  const [p, q, honest, confirmer, later] = [await world.miner('gpu-p'), await world.miner('gpu-q'), await world.miner('gpu-h'), await world.miner('gpu-c'), await world.miner('gpu-l')];
  p.answer = cheat;
  q.answer = cheat;
  await poolEntryFrom(p, q); // two cheaters writing the same wrong text agree

  const check = await answerCanary(honest);
  assert.equal((await world.work(confirmer))?.job_id, check.tiebreak_job_ids[0]);
  const decided = await checkById(check.check_id);
  assert.deepEqual([decided.verdict, decided.failed_miner_ids], ['inconclusive', []]);
  assert.match(decided.detail!, /the confirming run of gpu-c agrees with the canary answer.*the entry is withdrawn/);
  const view = await world.publicMiner('gpu-h');
  assert.deepEqual([view.paused, view.reputation.canaries_passed, view.reputation.canaries_failed], [false, 0, 0]);
  const [entry] = world.coordinator.sqlite.db.prepare('SELECT withdrawn_at FROM canaries').all() as { withdrawn_at: number | null }[];
  assert.notEqual(entry!.withdrawn_at, null);

  const clientJob = await world.submit();
  assert.equal((await world.work(later))?.job_id, clientJob);
  assert.equal(await world.coordinator.store.openCanaries('gpu-l'), 0, 'a withdrawn entry is never sent');
});

test('an entry three runs decided fails a disagreeing canary at once: three against one need no confirmation', async () => {
  world = await World.start({ reexecutionRate: 1, probationReexecutionRate: 1 });
  const [subject, liar, t, u, cheater] = [await world.miner('gpu-s'), await world.miner('gpu-v'), await world.miner('gpu-t'), await world.miner('gpu-u'), await world.miner('gpu-x')];
  liar.answer = cheat;
  const jobId = await world.submit();
  for (const runner of [subject, liar, t, u]) assert.ok(await world.work(runner), `${runner.id} runs it`);
  const [entry] = world.coordinator.sqlite.db.prepare('SELECT source_job_id, evidence_job_ids FROM canaries').all() as { source_job_id: string; evidence_job_ids: string }[];
  assert.equal(entry!.source_job_id, jobId);
  assert.equal(JSON.parse(entry!.evidence_job_ids).length, 3, "the three agreeing runs, not the liar's");
  world.setRates(CANARIES_ONLY);

  cheater.answer = cheat;
  const check = await answerCanary(cheater);
  assert.deepEqual([check.verdict, check.tiebreak_job_ids, check.failed_miner_ids], ['disagree', [], ['gpu-x']]);
  assert.equal((await world.publicMiner('gpu-x')).paused, true);
});

test('a confirming run lost to a crash is queued by the sweeper, exactly once', async () => {
  const crashOnce = crashOnceAt('startTiebreak');
  world = await World.start({ reexecutionRate: 1, probationReexecutionRate: 1 }, crashOnce);
  const [a, b, cheater, confirmer] = [await world.miner('gpu-a'), await world.miner('gpu-b'), await world.miner('gpu-x'), await world.miner('gpu-c')];
  await poolEntryFrom(a, b);
  cheater.answer = cheat;
  const check = await answerCanary(cheater);
  assert.deepEqual([check.verdict, check.tiebreak_job_ids], [null, []], 'the confirming run was lost');

  await world.coordinator.services.sweeper.sweepOnce();
  await world.coordinator.services.sweeper.sweepOnce();
  assert.equal((await checkById(check.check_id)).tiebreak_job_ids.length, 1);
  assert.ok(await world.work(confirmer));
  assert.deepEqual(await world.drain(confirmer), [], 'no second confirming run');
  assert.equal((await checkById(check.check_id)).verdict, 'disagree');
});
