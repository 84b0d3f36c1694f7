// Many miners long-polling over real HTTP against a burst of jobs, on the real clock: every job
// is claimed exactly once and completed once; and with a short lease, silent miners lose their
// jobs to the queue until the third lapse fails them.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestCoordinator, submitBody, TestMiner } from '@aitbc/testkit/coordinator';

const MINERS = 20;
const JOBS = 500;

test(`${MINERS} long-polling miners, ${JOBS} jobs: each claimed exactly once and completed once`, async () => {
  const coordinator = await startTestCoordinator({ sweepIntervalMs: 200 });
  try {
    const client = await coordinator.createClient('alice', '100000');
    const miners = await Promise.all(
      Array.from({ length: MINERS }, async (_, i) => {
        const miner = new TestMiner(coordinator, await coordinator.createKey(['miner']), `miner-${i}`);
        assert.equal((await miner.register()).status, 201);
        return miner;
      }),
    );

    const claims: string[] = [];
    const completions: string[] = [];
    let submitted = 0;
    let submitting = true;

    // Miners start polling before any job exists, so jobs reach miners that are already waiting.
    const workers = miners.map(async (miner) => {
      for (;;) {
        const poll = await miner.poll(1);
        if (poll.status === 204) {
          if (!submitting && completions.length >= submitted) return;
          continue;
        }
        assert.equal(poll.status, 200, poll.text);
        claims.push(poll.body.job_id);
        const done = await miner.complete(poll.body.job_id, miner.completion(poll.body, `output of ${poll.body.job_id}`, undefined, Date.now()));
        assert.equal(done.status, 200, done.text);
        completions.push(poll.body.job_id);
      }
    });

    const jobIds: string[] = [];
    for (let batch = 0; batch < JOBS / 50; batch++) {
      const answers = await Promise.all(
        Array.from({ length: 50 }, () => coordinator.request('POST', '/v1/jobs', { key: client, body: submitBody({ prompt: `job ${batch}` }) })),
      );
      for (const answer of answers) {
        assert.equal(answer.status, 201, answer.text);
        jobIds.push(answer.body.job_id);
      }
      submitted = jobIds.length;
    }
    submitting = false;
    await Promise.all(workers);

    assert.equal(claims.length, JOBS, 'claims');
    assert.equal(new Set(claims).size, JOBS, 'no job claimed twice');
    assert.equal(completions.length, JOBS, 'completions');
    assert.deepEqual(new Set(completions), new Set(jobIds));
    for (const jobId of jobIds) {
      const stored = await coordinator.store.getJob(jobId);
      assert.equal(stored?.status, 'completed');
      assert.equal(stored?.attempts, 1);
    }
    await coordinator.assertLedger();
  } finally {
    await coordinator.close();
  }
});

test('a job submitted while a miner waits is handed to it in that same poll', async () => {
  const coordinator = await startTestCoordinator();
  try {
    const client = await coordinator.createClient('alice', '100000');
    const miner = new TestMiner(coordinator, await coordinator.createKey(['miner']), 'waiter');
    await miner.register();
    const waiting = miner.poll(30);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const submitted = await coordinator.request('POST', '/v1/jobs', { key: client, body: submitBody() });
    const poll = await waiting;
    assert.equal(poll.status, 200);
    assert.equal(poll.body.job_id, submitted.body.job_id);
  } finally {
    await coordinator.close();
  }
});

test('short lease over real HTTP: silent miners lose the job twice, the third lapse fails it', async () => {
  const coordinator = await startTestCoordinator({ leaseSeconds: 1, sweepIntervalMs: 100, models: ['llama3.2'] });
  try {
    const client = await coordinator.createClient('alice', '100000');
    const submitted = await coordinator.request('POST', '/v1/jobs', { key: client, body: submitBody() });
    assert.equal(submitted.status, 201, submitted.text);
    const jobId = submitted.body.job_id;
    for (const attempt of [1, 2, 3]) {
      const miner = new TestMiner(coordinator, await coordinator.createKey(['miner']), `silent-${attempt}`);
      await miner.register();
      // Long-poll: the job comes back to the queue when the previous miner's lease lapses.
      const poll = await miner.poll(10);
      assert.equal(poll.status, 200, poll.text);
      assert.equal(poll.body.job_id, jobId);
      assert.equal(poll.body.attempt, attempt);
      // ...and this miner never heartbeats nor completes.
    }
    let view;
    for (let i = 0; i < 100; i++) {
      view = (await coordinator.request('GET', `/v1/jobs/${jobId}`, { key: client })).body;
      if (view.status !== 'running') break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.equal(view.status, 'failed');
    assert.equal(view.attempts, 3);
    assert.match(view.error, /lease lapsed on attempt 3 of 3 \(miner silent-3/);
  } finally {
    await coordinator.close();
  }
});

test('a miner that hangs up mid-poll is not handed the job', async () => {
  const coordinator = await startTestCoordinator();
  try {
    const client = await coordinator.createClient('alice', '100000');
    const quitter = new TestMiner(coordinator, await coordinator.createKey(['miner']), 'quitter');
    const stayer = new TestMiner(coordinator, await coordinator.createKey(['miner']), 'stayer');
    await quitter.register();
    await stayer.register();
    const hangUp = new AbortController();
    const abandoned = fetch(`${coordinator.url}/v1/miners/poll`, {
      method: 'POST',
      headers: { 'x-api-key': quitter.apiKey, 'content-type': 'application/json' },
      body: JSON.stringify({ miner_id: 'quitter', wait_seconds: 30 }),
      signal: hangUp.signal,
    }).catch(() => 'aborted');
    await new Promise((resolve) => setTimeout(resolve, 100));
    hangUp.abort();
    assert.equal(await abandoned, 'aborted');
    await new Promise((resolve) => setTimeout(resolve, 100));
    const submitted = await coordinator.request('POST', '/v1/jobs', { key: client, body: submitBody() });
    const poll = await stayer.poll(5);
    assert.equal(poll.body.job_id, submitted.body.job_id);
    assert.equal(poll.body.attempt, 1);
  } finally {
    await coordinator.close();
  }
});
