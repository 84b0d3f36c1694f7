// Disputes from the SDK and the CLI: `client.jobs.dispute(id, reason)` opens one inside the job's
// acceptance window and the job view shows it; `aitbc job dispute <id> --reason …` refuses a
// second one with the coordinator's error (exit 1).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AitbcClient } from '@aitbc/sdk';
import { ManualClock } from '@aitbc/testkit';
import { NO_CHECKS, startTestCoordinator, TestMiner } from '@aitbc/testkit/coordinator';
import { execFile } from 'node:child_process';
import { AITBC } from '@aitbc/testkit/processes';

/** The CLI as a child process, awaited without blocking this process, which serves the coordinator. */
const aitbc = (...args: string[]) =>
  new Promise<{ status: number; stdout: string; stderr: string }>((resolve) => {
    execFile(process.execPath, [AITBC, ...args], { encoding: 'utf8', timeout: 60_000 }, (error, stdout, stderr) => resolve({ status: error ? Number(error.code ?? 1) : 0, stdout, stderr }));
  });

test('a client disputes a completed job with the SDK; the CLI refuses a second dispute', async () => {
  const clock = new ManualClock();
  // No probation: any miner may run the dispute's re-run.
  const coordinator = await startTestCoordinator({ now: clock.now, acceptanceWindowSeconds: 600, verification: { ...NO_CHECKS, probationJobs: 0 } });
  try {
    const apiKey = await coordinator.createClient('alice', '10');
    const client = new AitbcClient({ baseUrl: coordinator.url, apiKey });
    const [a, b] = await Promise.all(['gpu-a', 'gpu-b'].map(async (id) => new TestMiner(coordinator, await coordinator.createKey(['miner']), id)));
    for (const miner of [a!, b!]) assert.equal((await miner.register()).status, 201);
    const { job_id: jobId } = await client.jobs.submit({ model: 'llama3.2', prompt: 'question', max_price: '1' });
    const claim = await a!.poll(0);
    assert.equal((await a!.complete(jobId, a!.completion(claim.body, 'the answer', undefined, clock.now()))).status, 200);

    assert.equal((await client.account.get()).disputable, '0.024');
    const disputed = await client.jobs.dispute(jobId, 'wrong answer');
    assert.deepEqual([disputed.dispute?.status, disputed.dispute?.reason], ['open', 'wrong answer']);
    assert.equal((await client.jobs.get(jobId)).accept_until, new Date(clock.now() + 600_000).toISOString());
    assert.equal((await client.account.get()).disputable, '0', 'a disputed job is no longer disputable');

    const again = await aitbc('job', 'dispute', jobId, '--reason', 'still wrong', '--url', coordinator.url, '--api-key', apiKey);
    assert.equal(again.status, 1, again.stdout);
    assert.match(again.stderr, /JOB_INVALID_STATUS.*already disputed/s);
    // The re-run on the other owner's miner agrees: rejected, the miner paid.
    const rerun = await b!.poll(0);
    assert.equal((await b!.complete(rerun.body.job_id, b!.completion(rerun.body, 'the answer', undefined, clock.now()))).status, 200);
    await coordinator.services.verification.decideEnded();
    const shown = await aitbc('job', 'status', jobId, '--json', '--url', coordinator.url, '--api-key', apiKey);
    assert.equal(JSON.parse(shown.stdout).dispute.status, 'rejected', shown.stderr);
  } finally {
    await coordinator.assertLedger();
    await coordinator.close();
  }
});
