// Who may run re-executions and tie-breaks: a trusted miner, or one past probation and not
// paused (`mayVerify`). The claim SQL enforces it on its own copy of the rule; the first test
// holds the two together. Canaries and client jobs are for anyone, as before.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_VERIFICATION } from '../src/verification/settings.ts';
import { mayVerify } from '../src/verification/sampling.ts';
import { SqliteStore } from '../src/store/sqlite/sqlite-store.ts';
import type { JobPurpose } from '../src/verification/sampling.ts';
import { World } from './verification-world.ts';

const NOW = 1_700_000_000_000;

test('the claim SQL lets exactly the miners mayVerify names claim re-executions and tie-breaks; client jobs stay open to all', async (t) => {
  const store = new SqliteStore({ path: ':memory:' });
  t.after(() => store.close());
  await store.credit('verification', 1_000_000n, NOW);
  await store.registerMiner({ minerId: 'gpu-1', ownerKeyId: 'key-1', publicKey: 'pk', payoutAddress: 'addr', maxConcurrency: 4, gpu: null, prices: new Map([['demo', 1n]]) }, NOW);
  const standing = store.db.prepare('UPDATE miner_record SET jobs_completed = ?, probation_start_jobs = ?, paused_at = ? WHERE miner_id = ?');
  let serial = 0;
  const claimable = async (purpose: JobPurpose, request: { probationJobs: number; trusted: boolean }): Promise<boolean> => {
    const jobId = `job-${++serial}`;
    const job = { jobId, account: 'verification', model: 'demo', kind: 'text' as const, prompt: 'p', requires: 1, params: {}, maxPriceMicro: 10n, minUnits: 1, pinnedMinerId: null, createdAt: NOW, deadline: NOW + 60_000, purpose, subjectJobId: purpose === 'client' ? null : `subject-${serial}` };
    assert.equal((await store.createCheck(job, { kind: 'reexecution', minerId: 'gpu-0', subjectJobId: job.subjectJobId, canaryId: null })).kind, 'created');
    const outcome = await store.claimJob(jobId, { minerId: 'gpu-1', now: NOW, leaseMs: 60_000, nonce: `nonce-${jobId}`, ...request });
    if (outcome.kind === 'claimed') await store.releaseClaim(jobId, 'gpu-1', `nonce-${jobId}`, NOW);
    return outcome.kind === 'claimed';
  };
  const cases = [
    { completed: 0, since: 0, probationJobs: 50, trusted: false, paused: false },
    { completed: 0, since: 0, probationJobs: 50, trusted: true, paused: false },
    { completed: 49, since: 0, probationJobs: 50, trusted: false, paused: false },
    { completed: 50, since: 0, probationJobs: 50, trusted: false, paused: false },
    { completed: 80, since: 40, probationJobs: 50, trusted: false, paused: false }, // resumed: a new probation
    { completed: 80, since: 0, probationJobs: 50, trusted: false, paused: true },
    { completed: 80, since: 0, probationJobs: 50, trusted: true, paused: true },
    { completed: 0, since: 0, probationJobs: 0, trusted: false, paused: false },
  ];
  for (const { completed, since, probationJobs, trusted, paused } of cases) {
    standing.run(completed, since, paused ? NOW : null, 'gpu-1');
    const expected = mayVerify({ jobsSinceProbation: completed - since, trusted, paused }, { ...DEFAULT_VERIFICATION, probationJobs });
    const label = JSON.stringify({ completed, since, probationJobs, trusted, paused });
    assert.equal(await claimable('reexecution', { probationJobs, trusted }), expected, `re-execution ${label}`);
    assert.equal(await claimable('tiebreak', { probationJobs, trusted }), expected, `tie-break ${label}`);
    if (!paused) assert.equal(await claimable('client', { probationJobs, trusted }), true, `client job ${label}`);
  }
});

test('fresh miners never receive re-runs: a re-run waits for a miner past probation, by poll or by id; a trusted one may take it at once', async (t) => {
  const world = await World.start({ probationJobs: 2, reexecutionRate: 1, probationReexecutionRate: 0, trustedMiners: new Set(['gpu-own']) });
  t.after(() => world.close());
  const [a, b] = [await world.miner('gpu-a'), await world.miner('gpu-b')];
  for (let i = 0; i < 2; i++) {
    for (const runner of [a, b]) {
      await world.submit();
      assert.equal((await world.job((await world.work(runner))!.job_id)).purpose, 'client', 'on probation: client work only');
    }
  }
  await world.drain(a, b); // each re-runs the other's second job (done past probation, so re-executed)
  const fresh = await world.miner('gpu-new');
  const trusted = await world.miner('gpu-own');

  const jobId = await world.submit();
  assert.equal((await world.work(a))?.job_id, jobId);
  const [check] = (await world.checks()).filter((entry) => entry.subject_job_id === jobId);
  assert.equal(await world.poll(fresh), null, 'the fresh miner is not sent the re-run');
  const byId = await world.coordinator.request('POST', `/v1/jobs/${check!.check_job_id}/claim`, { key: fresh.miner.apiKey, body: { miner_id: 'gpu-new' } });
  assert.deepEqual([byId.status, byId.body.error_code], [409, 'JOB_ALREADY_CLAIMED']);
  assert.equal((await world.job(check!.check_job_id)).status, 'queued', 'it waits for an eligible miner');
  assert.equal((await world.work(trusted))?.job_id, check!.check_job_id, 'a trusted miner verifies from its first job');

  await world.submit();
  assert.ok(await world.work(b));
  assert.equal(await world.poll(fresh), null);
  assert.equal((await world.job((await world.work(a))!.job_id)).purpose, 'reexecution');

  for (let i = 0; i < 2; i++) {
    await world.submit();
    assert.equal((await world.job((await world.work(fresh))!.job_id)).purpose, 'client');
  }
  await world.drain(a, b); // the re-run of its second job
  await world.submit();
  assert.ok(await world.work(a));
  assert.equal((await world.job((await world.work(fresh))!.job_id)).purpose, 'reexecution', 'past its probation it verifies too');
});
