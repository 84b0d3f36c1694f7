// The pause ladder: a miner answering wrong is caught by a re-execution that two tie-breaks
// settle (three independent runs agree against it), paused at once, and gets only canaries (another whenever one ends, run or not); three passed canaries resume it on a new probation; a
// second offence waits for an operator's POST /v1/admin/miners/{id}/resume.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ADMIN_KEY, submitBody } from '@aitbc/testkit/coordinator';
import { cheat, honest, World, type Runner } from './verification-world.ts';

let world: World;
let honestOnes: Runner[];
let cheater: Runner;

before(async () => {
  world = await World.start({ reexecutionRate: 1, probationReexecutionRate: 1, canariesToResume: 3 });
  honestOnes = [await world.miner('gpu-a'), await world.miner('gpu-b'), await world.miner('gpu-c')];
  cheater = await world.miner('gpu-x');
  // The pool fills from honest agreements the cheater never saw.
  for (let i = 0; i < 6; i++) await world.submit();
  await world.drain(...honestOnes);
  assert.equal(await world.poolSize(), 6);
});
after(() => world.close());

/** The cheater takes a client job and answers it wrong; the honest miners re-run it and run both tie-breaks. */
async function caughtCheating(): Promise<string> {
  cheater.answer = cheat;
  const jobId = await world.submit();
  assert.equal((await world.work(cheater))?.job_id, jobId);
  cheater.answer = honest;
  const claims = await world.drain(...honestOnes);
  assert.equal(claims.length, 3, 'a re-run and two tie-breaks');
  return jobId;
}

test('one disagreement, settled by two tie-breaks, pauses the cheater at once; the miners that re-ran it pass', async () => {
  const jobId = await caughtCheating();
  const [check] = (await world.checks('gpu-x')).filter((entry) => entry.subject_job_id === jobId);
  assert.equal(check!.verdict, 'disagree');
  assert.equal(check!.tiebreak_job_ids.length, 2);
  const runs = await Promise.all([check!.check_job_id, ...check!.tiebreak_job_ids].map((id) => world.job(id)));
  assert.deepEqual(runs.map((run) => run.purpose), ['reexecution', 'tiebreak', 'tiebreak']);
  assert.equal(new Set(runs.map((run) => run.minerId)).size, 3, 'each run by another owner');
  const view = await world.publicMiner('gpu-x');
  assert.deepEqual([view.paused, view.needs_review, view.reputation.paused, view.reputation.reexecutions_disagreed], [true, false, true, 1]);
  assert.match(view.pause_reason, /failed a re-execution: 3 independent runs agree against it: the outputs differ/);
  for (const run of runs) assert.equal((await world.publicMiner(run.minerId!)).reputation.reexecutions_agreed >= 1, true);
  const list = await world.coordinator.request('GET', '/v1/miners?limit=10');
  assert.equal(list.body.items.at(-1).miner_id, 'gpu-x', 'a caught miner sinks below the honest ones');
});

test('a client job pinned to a paused miner is refused at submit, not left escrowed until its deadline', async () => {
  const before = await world.coordinator.request('GET', '/v1/account', { key: world.clientKey });
  const pinned = await world.coordinator.request('POST', '/v1/jobs', { key: world.clientKey, body: submitBody({ prompt: 'for gpu-x only', miner_id: 'gpu-x' }) });
  assert.deepEqual([pinned.status, pinned.body.error_code, pinned.body.retry_after], [503, 'MINER_OFFLINE', 60]);
  assert.match(pinned.body.detail, /gpu-x is paused from new work pending verification \(failed a re-execution/);
  const afterwards = await world.coordinator.request('GET', '/v1/account', { key: world.clientKey });
  assert.deepEqual(afterwards.body, before.body, 'nothing escrowed');
  const elsewhere = await world.coordinator.request('POST', '/v1/jobs', { key: world.clientKey, body: submitBody({ prompt: 'for gpu-a', miner_id: 'gpu-a' }) });
  assert.equal(elsewhere.status, 201, 'an unpaused miner still takes pinned jobs');
  await world.drain(...honestOnes);
});

test('a canary the paused miner could not run is abandoned and replaced: it always has one to earn its way back', async () => {
  const claim = await world.poll(cheater);
  assert.ok(claim, 'its canary');
  assert.equal((await cheater.miner.fail(claim.job_id, 'backend crashed', false)).status, 200);
  await world.coordinator.services.sweeper.sweepOnce();
  const [check] = (await world.checks('gpu-x')).filter((entry) => entry.check_job_id === claim.job_id);
  assert.equal(check!.verdict, 'abandoned');
  assert.equal(await world.coordinator.store.openCanaries('gpu-x'), 1, 'another canary is queued for it');
  const view = await world.publicMiner('gpu-x');
  assert.deepEqual([view.paused, view.needs_review], [true, false]);
});

test('a paused miner gets only its canaries, which look like client work; three passed resume it', async () => {
  const clientJob = await world.submit();
  const seen: string[] = [];
  for (let i = 0; i < 3; i++) {
    assert.equal(await world.coordinator.store.openCanaries('gpu-x'), 1, 'one canary is queued for it at the pause and after each one passed, no more');
    const claim = await world.poll(cheater);
    assert.ok(claim, `canary ${i + 1} is waiting for it`);
    assert.notEqual(claim.job_id, clientJob, 'not the client job');
    const job = await world.job(claim.job_id);
    assert.deepEqual([job.purpose, job.pinnedMinerId], ['canary', 'gpu-x']);
    assert.equal(claim.client, 'alice', 'the canary names the client of the job it came from');
    assert.ok(!seen.includes(job.prompt), 'a fresh canary each time');
    seen.push(job.prompt);
    await world.complete(cheater, claim);
  }
  const view = await world.publicMiner('gpu-x');
  assert.deepEqual([view.paused, view.pause_reason, view.reputation.canaries_passed], [false, null, 3]);
  const back = await world.poll(cheater);
  assert.equal(back?.job_id, clientJob, 'back to client work');
  await world.complete(cheater, back!);
});

test('a second offence needs an operator: no canary is queued, and POST /v1/admin/miners/{id}/resume lets it work again', async () => {
  await world.drain(...honestOnes); // the re-run of the job it just did honestly
  await caughtCheating();
  const view = await world.publicMiner('gpu-x');
  assert.deepEqual([view.paused, view.needs_review], [true, true]);
  assert.equal(await world.poll(cheater), null, 'no canary, no work');
  const resumed = await world.coordinator.request('POST', '/v1/admin/miners/gpu-x/resume', { key: ADMIN_KEY });
  assert.equal(resumed.status, 200, resumed.text);
  assert.deepEqual([resumed.body.paused, resumed.body.needs_review, resumed.body.pause_reason], [false, false, null]);
  const jobId = await world.submit();
  assert.equal((await world.work(cheater))?.job_id, jobId);
  const unknown = await world.coordinator.request('POST', '/v1/admin/miners/nobody/resume', { key: ADMIN_KEY });
  assert.deepEqual([unknown.status, unknown.body.error_code], [404, 'MINER_NOT_FOUND']);
});
