// A job's life as clients and miners see it: submit, claim, complete, results and receipts,
// idempotent retries, paging, cancel, expiry, leases and retries, pinning and price matching.

import { afterEach, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { hashText, parsePublicKey, verifyReceipt } from '@aitbc/protocol';
import { ManualClock } from '@aitbc/testkit';
import { startWithMiner, submitBody, TestMiner, type TestCoordinator } from '@aitbc/testkit/coordinator';

let coordinator: TestCoordinator;
let clock: ManualClock;
let client: string;
let minerKey: string;
let miner: TestMiner;

beforeEach(async () => {
  ({ coordinator, clock, client, minerKey, miner } = await startWithMiner({ slots: 2 }));
});

afterEach(async () => {
  // Whatever a test did, the books must balance.
  await coordinator.assertLedger();
  await coordinator.close();
});

async function submit(extra: Record<string, unknown> = {}): Promise<string> {
  const answer = await coordinator.request('POST', '/v1/jobs', { key: client, body: submitBody(extra) });
  assert.equal(answer.status, 201, answer.text);
  return answer.body.job_id;
}

const job = async (jobId: string) => (await coordinator.request('GET', `/v1/jobs/${jobId}`, { key: client })).body;

describe('a job from submit to receipt', () => {
  test('submit, poll, complete, read the result and a receipt that verifies with the pinned key', async () => {
    const submitted = await coordinator.request('POST', '/v1/jobs', { key: client, body: submitBody() });
    assert.equal(submitted.status, 201);
    assert.deepEqual(Object.keys(submitted.body).sort(), ['created_at', 'deadline', 'job_id', 'max_price', 'model', 'status']);
    assert.equal(submitted.body.status, 'queued');
    assert.equal(Date.parse(submitted.body.deadline) - Date.parse(submitted.body.created_at), 900_000);
    const jobId = submitted.body.job_id;

    const pending = await coordinator.request('GET', `/v1/jobs/${jobId}/result`, { key: client });
    assert.equal(pending.status, 202);
    assert.equal(pending.headers.get('retry-after'), '2');
    assert.equal(pending.body.status, 'queued');

    const poll = await miner.poll(0);
    assert.equal(poll.status, 200, poll.text);
    assert.equal(poll.body.job_id, jobId);
    assert.equal(poll.body.prompt, 'Explain ZK proofs.');
    // Every job runs with a seed (drawn at submit when the client sets none), so a check can reproduce it.
    const { seed, ...asked } = poll.body.params;
    assert.deepEqual(asked, { max_tokens: 64, temperature: 0.7 });
    assert.ok(Number.isInteger(seed) && seed >= 0 && seed < 2 ** 32, `seed ${seed}`);
    assert.equal(poll.body.unit_price, '0.002');
    assert.equal(poll.body.receipt_template.prompt_hash, hashText('Explain ZK proofs.'));
    assert.equal(poll.body.receipt_template.client, 'alice');
    assert.match(poll.body.receipt_template.provider, /^ait1/);
    assert.equal((await job(jobId)).status, 'running');

    clock.advance(1500);
    const done = await miner.complete(jobId, miner.completion(poll.body, 'Zero knowledge means…', { prompt_tokens: 5, completion_tokens: 7 }, clock.now()));
    assert.equal(done.status, 200, done.text);
    assert.equal(done.body.status, 'completed');
    assert.equal(done.body.price, '0.024');

    const result = await coordinator.request('GET', `/v1/jobs/${jobId}/result`, { key: client });
    assert.equal(result.status, 200);
    assert.equal(result.body.output, 'Zero knowledge means…');
    assert.deepEqual(result.body.usage, { prompt_tokens: 5, completion_tokens: 7 });
    assert.equal(result.body.price, '0.024');
    const verdict = verifyReceipt(result.body.receipt, { miner: parsePublicKey(miner.publicKey) }, { maxPriceMicro: 2_500_000n });
    assert.equal(verdict.valid, true, JSON.stringify(verdict.checks));

    const view = await job(jobId);
    assert.equal(view.status, 'completed');
    assert.equal(view.price, '0.024');
    assert.equal(view.miner_id, 'gpu-box-1');
    assert.equal(view.attempts, 1);
    assert.equal(view.receipt_id, result.body.receipt.receipt_id);

    const publicReceipt = await coordinator.request('GET', `/v1/receipts/${view.receipt_id}`);
    assert.equal(publicReceipt.status, 200);
    assert.deepEqual(publicReceipt.body, result.body.receipt);
    assert.doesNotMatch(publicReceipt.text, /Explain ZK|Zero knowledge/, 'receipts hold hashes, not prompt or output');
    const viaJob = await coordinator.request('GET', `/v1/jobs/${jobId}/receipt`, { key: client });
    assert.deepEqual(viaJob.body, result.body.receipt);
  });

  test('a second completion of the same job is refused and changes nothing', async () => {
    const jobId = await submit();
    const poll = await miner.poll(0);
    const body = miner.completion(poll.body, 'first', undefined, clock.now());
    assert.equal((await miner.complete(jobId, body)).status, 200);
    const again = await miner.complete(jobId, miner.completion(poll.body, 'second', undefined, clock.now()));
    assert.equal(again.body.error_code, 'JOB_ALREADY_COMPLETED');
    const result = await coordinator.request('GET', `/v1/jobs/${jobId}/result`, { key: client });
    assert.equal(result.body.output, 'first');
  });

  test('a bad signature leaves the job open for a correct completion', async () => {
    const jobId = await submit();
    const poll = await miner.poll(0);
    const forger = new TestMiner(coordinator, minerKey, 'gpu-box-1');
    const refused = await miner.complete(jobId, forger.completion(poll.body, 'x', undefined, clock.now()));
    assert.equal(refused.body.error_code, 'RECEIPT_INVALID_SIGNATURE');
    assert.equal((await job(jobId)).status, 'running');
    assert.equal((await miner.complete(jobId, miner.completion(poll.body, 'x', undefined, clock.now()))).status, 200);
  });

  test('receipt contents are checked field by field against the job', async () => {
    const jobId = await submit();
    const poll = await miner.poll(0);
    const wrongClient = miner.completion({ ...poll.body, receipt_template: { ...poll.body.receipt_template, client: 'mallory' } }, 'x', undefined, clock.now());
    const answer = await miner.complete(jobId, wrongClient);
    assert.equal(answer.status, 422);
    assert.equal(answer.body.field, 'receipt.client');
    assert.match(answer.body.detail, /must be "alice"/);
    const outputSwap = { ...miner.completion(poll.body, 'what I signed', undefined, clock.now()), output: 'what I send' };
    assert.equal((await miner.complete(jobId, outputSwap)).body.field, 'receipt.output_hash');
    const future = miner.completion(poll.body, 'x', undefined, clock.now() + 60_000);
    assert.equal((await miner.complete(jobId, future)).body.field, 'receipt.completed_at');
  });
});

describe('client views', () => {
  test('an Idempotency-Key retry returns the original answer without a second job', async () => {
    const headers = { 'idempotency-key': 'order-42' };
    const first = await coordinator.request('POST', '/v1/jobs', { key: client, body: submitBody(), headers });
    clock.advance(1000);
    const retry = await coordinator.request('POST', '/v1/jobs', { key: client, body: submitBody(), headers });
    assert.equal(retry.status, 201);
    assert.equal(retry.text, first.text);
    const list = await coordinator.request('GET', '/v1/jobs', { key: client });
    assert.equal(list.body.items.length, 1);
    // The same key from another account is another request.
    const bob = await coordinator.createClient('bob');
    const bobs = await coordinator.request('POST', '/v1/jobs', { key: bob, body: submitBody(), headers });
    assert.notEqual(bobs.body.job_id, first.body.job_id);
  });

  test('concurrent submits with one Idempotency-Key create one job', async () => {
    const headers = { 'idempotency-key': 'same-click' };
    const answers = await Promise.all(Array.from({ length: 10 }, () => coordinator.request('POST', '/v1/jobs', { key: client, body: submitBody(), headers })));
    assert.deepEqual(new Set(answers.map((a) => a.status)), new Set([201]));
    assert.equal(new Set(answers.map((a) => a.body.job_id)).size, 1);
  });

  test('listing pages through own jobs newest first, filtered by status', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      ids.push(await submit());
      clock.advance(10);
    }
    const bob = await coordinator.createClient('bob');
    await coordinator.request('POST', '/v1/jobs', { key: bob, body: submitBody() });
    await coordinator.request('POST', `/v1/jobs/${ids[1]}/cancel`, { key: client });

    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: any = await coordinator.request('GET', `/v1/jobs?limit=2${cursor ? `&cursor=${cursor}` : ''}`, { key: client });
      assert.equal(page.status, 200);
      seen.push(...page.body.items.map((item: any) => item.job_id));
      cursor = page.body.next_cursor;
      pages++;
    } while (cursor);
    assert.equal(pages, 3);
    assert.deepEqual(seen, [...ids].reverse());
    const cancelled = await coordinator.request('GET', '/v1/jobs?status=cancelled', { key: client });
    assert.deepEqual(cancelled.body.items.map((item: any) => item.job_id), [ids[1]]);
    const bad = await coordinator.request('GET', '/v1/jobs?status=done', { key: client });
    assert.equal(bad.body.error_code, 'VALIDATION_INVALID_FORMAT');
    assert.match(bad.body.detail, /queued, running/);
  });

  test('cancel a running job: the miner can no longer complete it', async () => {
    const jobId = await submit();
    const poll = await miner.poll(0);
    const cancelled = await coordinator.request('POST', `/v1/jobs/${jobId}/cancel`, { key: client });
    assert.equal(cancelled.status, 200);
    assert.equal(cancelled.body.status, 'cancelled');
    const late = await miner.complete(jobId, miner.completion(poll.body, 'x', undefined, clock.now()));
    assert.equal(late.body.error_code, 'JOB_ALREADY_CANCELLED');
    assert.equal((await miner.heartbeat()).body.running_jobs.length, 0);
  });
});

describe('operations', () => {
  test('/metrics counts jobs by state and requests by route, in the Prometheus format, even in maintenance', async () => {
    const jobId = await submit();
    await submit();
    const poll = await miner.poll(0);
    assert.equal(poll.body.job_id, jobId, 'first in, first out, even within one millisecond');
    assert.equal((await miner.complete(jobId, miner.completion(poll.body, 'x', undefined, clock.now()))).status, 200);
    await coordinator.request('PUT', '/v1/admin/maintenance', { key: 'aitbc_test_admin_key', body: { enabled: true } });
    const metrics = await coordinator.request('GET', '/metrics');
    assert.equal(metrics.status, 200);
    assert.match(metrics.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    assert.match(metrics.text, /^aitbc_jobs\{status="completed"\} 1$/m);
    assert.match(metrics.text, /^aitbc_jobs\{status="queued"\} 1$/m);
    assert.match(metrics.text, /^aitbc_miners_online 1$/m);
    assert.match(metrics.text, /^aitbc_http_request_duration_seconds_count\{method="POST",route="\/v1\/jobs",status="201"\} 2$/m);
    assert.equal((await coordinator.request('GET', '/v1/jobs', { key: client })).body.error_code, 'SYSTEM_MAINTENANCE');
  });
});

describe('deadlines, leases and attempts', () => {
  test('the sweeper expires a job past its deadline without anyone reading it', async () => {
    const jobId = await submit({ ttl_seconds: 10 });
    clock.advance(10_000);
    await coordinator.services.sweeper.sweepOnce();
    const stored = await coordinator.store.getJob(jobId);
    assert.equal(stored?.status, 'expired');
    assert.equal((await miner.poll(0)).status, 204);
  });

  test('a job past its deadline reads as expired at once', async () => {
    const jobId = await submit({ ttl_seconds: 10 });
    clock.advance(10_000);
    assert.equal((await job(jobId)).status, 'expired');
    assert.equal((await coordinator.request('GET', `/v1/jobs/${jobId}/result`, { key: client })).body.error_code, 'JOB_EXPIRED');
  });

  test('heartbeats keep a lease alive; silence re-queues it, and the third lapse fails the job', async () => {
    const jobId = await submit();
    assert.equal((await miner.poll(0)).body.job_id, jobId);
    clock.advance(50_000);
    const beat = await miner.heartbeat();
    assert.deepEqual(beat.body.running_jobs, [jobId]);
    clock.advance(50_000);
    await coordinator.services.sweeper.sweepOnce();
    assert.equal((await job(jobId)).status, 'running', 'heartbeat extended the lease');

    for (const attempt of [1, 2, 3]) {
      if (attempt > 1) assert.equal((await miner.poll(0)).body.attempt, attempt);
      clock.advance(60_001); // the miner stays silent past its lease
      await coordinator.services.sweeper.sweepOnce();
      const view = await job(jobId);
      if (attempt < 3) {
        assert.equal(view.status, 'queued');
        assert.equal(view.attempts, attempt);
        assert.match(view.error, /lease lapsed/);
      } else {
        assert.equal(view.status, 'failed');
        assert.match(view.error, /lease lapsed on attempt 3 of 3 \(miner gpu-box-1 stopped heartbeating\)/);
      }
    }
  });

  test('retryable failures re-queue until attempts run out; a final failure is reported to the client', async () => {
    const jobId = await submit();
    for (const attempt of [1, 2]) {
      assert.equal((await miner.poll(0)).body.attempt, attempt);
      const failed = await miner.fail(jobId, `OOM ${attempt}`, true);
      assert.equal(failed.body.status, 'queued');
    }
    await miner.poll(0);
    const last = await miner.fail(jobId, 'OOM 3', true);
    assert.equal(last.body.status, 'failed');
    assert.match(last.body.error, /failed after 3 attempts.*OOM 3/);
  });

  test('a non-retryable failure fails the job at once', async () => {
    const jobId = await submit();
    await miner.poll(0);
    const failed = await miner.fail(jobId, 'model not installed', false);
    assert.equal(failed.body.status, 'failed');
    assert.equal((await job(jobId)).attempts, 1);
  });
});

describe('matching', () => {
  test('a pinned job goes only to its miner', async () => {
    const otherKey = await coordinator.createKey(['miner']);
    const other = new TestMiner(coordinator, otherKey, 'gpu-box-2');
    await other.register();
    const jobId = await submit({ miner_id: 'gpu-box-1' });
    assert.equal((await other.poll(0)).status, 204);
    const explicit = await coordinator.request('POST', `/v1/jobs/${jobId}/claim`, { key: otherKey, body: { miner_id: 'gpu-box-2' } });
    assert.equal(explicit.body.error_code, 'JOB_ALREADY_CLAIMED');
    assert.equal((await miner.poll(0)).body.job_id, jobId);
  });

  test("a miner only gets jobs whose max_price covers max_tokens at its price, and only its models", async () => {
    const pricyKey = await coordinator.createKey(['miner']);
    const pricy = new TestMiner(coordinator, pricyKey, 'pricy', { 'llama3.2': '1', 'qwen2.5': '0.001' });
    await pricy.register();
    const cheapJob = await submit({ max_price: '10', params: { max_tokens: 64 } });
    assert.equal((await pricy.poll(0)).status, 204, '64 tokens at 1 AITBC do not fit in 10');
    await submit({ model: 'qwen2.5', max_price: '1' });
    const qwen = await pricy.poll(0);
    assert.equal(qwen.body.model, 'qwen2.5');
    assert.equal((await miner.poll(0)).body.job_id, cheapJob);
  });

  test('the same key re-registering updates its miner; models appear in /v1/models', async () => {
    const update = await miner.register({ models: ['llama3.2', 'qwen2.5'], prices: { 'llama3.2': '0.003', 'qwen2.5': '0.001' } });
    assert.equal(update.status, 200);
    assert.deepEqual(update.body.prices, { 'llama3.2': '0.003', 'qwen2.5': '0.001' });
    const models = await coordinator.request('GET', '/v1/models');
    assert.deepEqual(
      models.body.data.map((m: any) => [m.id, m.miners_online, m.min_price]),
      [
        ['llama3.2', 1, '0.003'],
        ['qwen2.5', 1, '0.001'],
      ],
    );
    clock.advance(31_000);
    const later = await coordinator.request('GET', '/v1/models');
    assert.deepEqual(later.body.data, [], 'an offline miner offers nothing');
    const view = await coordinator.request('GET', '/v1/miners/gpu-box-1');
    assert.equal(view.body.status, 'offline');
  });

  test('ten miners racing for one job: exactly one wins', async () => {
    const jobId = await submit();
    const racers = await Promise.all(
      Array.from({ length: 10 }, async (_, i) => {
        const racer = new TestMiner(coordinator, await coordinator.createKey(['miner']), `racer-${i}`);
        await racer.register();
        return racer;
      }),
    );
    const answers = await Promise.all(racers.map((racer) => coordinator.request('POST', `/v1/jobs/${jobId}/claim`, { key: racer.apiKey, body: { miner_id: racer.minerId } })));
    assert.equal(answers.filter((a) => a.status === 200).length, 1);
    assert.deepEqual(new Set(answers.filter((a) => a.status !== 200).map((a) => a.body.error_code)), new Set(['JOB_ALREADY_CLAIMED']));
  });
});
