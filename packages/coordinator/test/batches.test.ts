// Batches over HTTP: a client submits up to 100 jobs in one request (each its own idempotency key
// and escrow, one result per job), and a miner claims several jobs in one poll and completes them
// in one request, each completion checked on its own.

import { afterEach, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '@aitbc/testkit';
import { startWithMiner, submitBody, TestMiner, type TestCoordinator } from '@aitbc/testkit/coordinator';

let coordinator: TestCoordinator;
let clock: ManualClock;
let client: string;
let minerKey: string;
let miner: TestMiner;

beforeEach(async () => {
  ({ coordinator, clock, client, minerKey, miner } = await startWithMiner({ credit: '100', slots: 4 }));
});

afterEach(async () => {
  // Whatever a test did, the books must balance.
  await coordinator.assertLedger();
  await coordinator.close();
});

const submitMany = (jobs: unknown[], key = client) => coordinator.request('POST', '/v1/jobs/batch', { key, body: { jobs } });
const account = async () => (await coordinator.request('GET', '/v1/account', { key: client })).body;
const errorOf = (result: { error?: { error_code: string; field?: string } }) => [result.error?.error_code, result.error?.field];

describe('POST /v1/jobs/batch', () => {
  test('creates every job in order, each escrowed, with one result per job', async () => {
    const answer = await submitMany([submitBody({ prompt: 'one' }), submitBody({ prompt: 'two', max_price: '1' }), submitBody({ prompt: 'three' })]);
    assert.equal(answer.status, 200, answer.text);
    assert.equal(answer.body.results.length, 3);
    for (const result of answer.body.results) {
      assert.equal(result.job.status, 'queued');
      assert.equal(result.replayed, false);
    }
    assert.deepEqual(
      answer.body.results.map((result: { job: { max_price: string } }) => result.job.max_price),
      ['2.5', '1', '2.5'],
    );
    assert.equal((await account()).escrowed, '6');
    const listed = (await coordinator.request('GET', '/v1/jobs', { key: client })).body.items.map((job: { job_id: string }) => job.job_id).sort();
    assert.deepEqual(listed, answer.body.results.map((result: { job: { job_id: string } }) => result.job.job_id).sort());
  });

  test('one bad item fails only itself: a price too low, an unknown model and what the balance cannot cover get their own errors', async () => {
    const answer = await submitMany([
      submitBody({ max_price: '40' }),
      submitBody({ max_price: '0.000001' }),
      submitBody({ model: 'no-such-model' }),
      submitBody({ max_price: '50' }),
      submitBody({ max_price: '60' }),
      submitBody({ max_price: '1' }),
    ]);
    assert.equal(answer.status, 200, answer.text);
    const [first, low, unknown, second, poor, last] = answer.body.results;
    assert.equal(first.job.status, 'queued');
    assert.deepEqual(errorOf(low), ['VALIDATION_OUT_OF_RANGE', 'jobs.1.max_price']);
    assert.deepEqual(errorOf(unknown), ['VALIDATION_INVALID_MODEL', 'jobs.2.model']);
    assert.equal(second.job.status, 'queued');
    assert.deepEqual(errorOf(poor), ['PAYMENT_INSUFFICIENT_BALANCE', undefined]);
    assert.match(poor.error.detail, /has 10 AITBC available/);
    assert.equal(last.job.status, 'queued', 'a later job the balance still covers is created');
    assert.equal(poor.error.request_id, answer.headers.get('x-request-id'));
    const books = await account();
    assert.deepEqual([books.available, books.escrowed], ['9', '91']);
  });

  test('a batch sent again answers each keyed job from its first answer and pays nothing twice; a key reused with another body is refused on its own', async () => {
    const jobs = [submitBody({ prompt: 'a', idempotency_key: 'batch-1-a' }), submitBody({ prompt: 'b', idempotency_key: 'batch-1-b' })];
    const first = await submitMany(jobs);
    const again = await submitMany(jobs);
    assert.deepEqual(
      again.body.results.map((result: { job: unknown }) => result.job),
      first.body.results.map((result: { job: unknown }) => result.job),
    );
    assert.deepEqual(
      again.body.results.map((result: { replayed: boolean }) => result.replayed),
      [true, true],
    );
    assert.equal((await account()).escrowed, '5');
    // The same key through the single route answers the same job.
    const single = await coordinator.request('POST', '/v1/jobs', { key: client, body: submitBody({ prompt: 'a' }), headers: { 'idempotency-key': 'batch-1-a' } });
    assert.equal(single.body.job_id, first.body.results[0].job.job_id);
    const changed = await submitMany([submitBody({ prompt: 'c', idempotency_key: 'batch-1-c' }), submitBody({ prompt: 'different', idempotency_key: 'batch-1-b' })]);
    assert.equal(changed.body.results[0].job.status, 'queued');
    assert.deepEqual(errorOf(changed.body.results[1]), ['VALIDATION_INVALID_FORMAT', 'jobs.1.idempotency_key']);
    // Two items of one batch under one key: one job, the second answers it.
    const twice = await submitMany([submitBody({ prompt: 'd', idempotency_key: 'dup' }), submitBody({ prompt: 'd', idempotency_key: 'dup' })]);
    assert.equal(twice.body.results[1].job.job_id, twice.body.results[0].job.job_id);
    assert.equal((await account()).escrowed, '10');
  });

  test('a malformed item refuses the whole batch, naming the item and field; empty and 101-job batches are refused; nothing is created', async () => {
    const cases: [unknown, string, string][] = [
      [[submitBody(), submitBody(), submitBody(), { model: 'llama3.2', max_price: '1' }], 'VALIDATION_MISSING_FIELD', 'jobs.3.prompt'],
      [[submitBody({ max_price: 2.5 })], 'VALIDATION_INVALID_TYPE', 'jobs.0.max_price'],
      [[submitBody(), submitBody({ tll_seconds: 60 })], 'VALIDATION_INVALID_FORMAT', 'jobs.1.tll_seconds'],
      [[submitBody({ params: { temperature: 9 } })], 'VALIDATION_OUT_OF_RANGE', 'jobs.0.params.temperature'],
      [[submitBody({ idempotency_key: '' })], 'VALIDATION_OUT_OF_RANGE', 'jobs.0.idempotency_key'],
      [[], 'VALIDATION_OUT_OF_RANGE', 'jobs'],
      [Array.from({ length: 101 }, () => submitBody({ max_price: '0.5' })), 'VALIDATION_OUT_OF_RANGE', 'jobs'],
      ['not a list', 'VALIDATION_INVALID_TYPE', 'jobs'],
    ];
    for (const [jobs, code, field] of cases) {
      const answer = await submitMany(jobs as unknown[]);
      assert.equal(answer.status, 422, `${field}: ${answer.text}`);
      assert.deepEqual([answer.body.error_code, answer.body.field], [code, field]);
    }
    const missing = await coordinator.request('POST', '/v1/jobs/batch', { key: client, body: {} });
    assert.deepEqual([missing.body.error_code, missing.body.field], ['VALIDATION_MISSING_FIELD', 'jobs']);
    assert.equal((await account()).escrowed, '0');
    // A batch of exactly 100 is taken.
    const full = await submitMany(Array.from({ length: 100 }, (_, i) => submitBody({ prompt: `p${i}`, max_price: '0.5' })));
    assert.equal(full.body.results.filter((result: { job?: unknown }) => result.job).length, 100);
  });

  test('the rate limit and the daily quota count jobs, not requests', async () => {
    const limited = await coordinator.createKey(['client'], { account: 'alice', rate_limit_per_minute: 5 });
    const four = await submitMany([submitBody(), submitBody(), submitBody(), submitBody()].map((job) => ({ ...job, max_price: '1' })), limited);
    assert.equal(four.status, 200, four.text);
    assert.equal(four.headers.get('x-ratelimit-remaining'), '1');
    const two = await submitMany([submitBody({ max_price: '1' }), submitBody({ max_price: '1' })], limited);
    assert.equal(two.status, 429, two.text);
    assert.equal(two.body.error_code, 'RATE_LIMIT_EXCEEDED');
    assert.match(two.body.detail, /counts 2 \(one per job\)/);

    const quota = await coordinator.createClient('dave', '10', { daily_job_quota: 3 });
    const five = await submitMany(Array.from({ length: 5 }, () => submitBody({ max_price: '1' })), quota);
    assert.deepEqual(
      five.body.results.map((result: { job?: unknown; error?: { error_code: string } }) => (result.job ? 'created' : result.error!.error_code)),
      ['created', 'created', 'created', 'RATE_QUOTA_EXCEEDED', 'RATE_QUOTA_EXCEEDED'],
    );
    assert.ok(five.body.results[3].error.retry_after >= 1);
  });
});

describe('a miner claims and completes several jobs at once', () => {
  const pollMany = (body: Record<string, unknown>) => coordinator.request('POST', '/v1/miners/poll/batch', { key: minerKey, body: { miner_id: 'gpu-box-1', wait_seconds: 0, ...body } });
  const completeManyAs = (minerId: string, completions: unknown[]) => coordinator.request('POST', '/v1/jobs/complete/batch', { key: minerKey, body: { miner_id: minerId, completions } });
  const completeMany = (completions: unknown[]) => completeManyAs('gpu-box-1', completions);
  const jobStatus = async (jobId: string) => (await coordinator.request('GET', `/v1/jobs/${jobId}`, { key: client })).body.status;

  async function queue(n: number): Promise<string[]> {
    const ids: string[] = [];
    for (let i = 0; i < n; i++) {
      const answer = await coordinator.request('POST', '/v1/jobs', { key: client, body: submitBody({ prompt: `job ${i}`, max_price: '1' }) });
      ids.push(answer.body.job_id);
      clock.advance(1);
    }
    return ids;
  }

  test('a batch poll claims the oldest jobs up to the free slots (max_concurrency), each with its own claim; then capacity is full', async () => {
    assert.deepEqual((await pollMany({ max_jobs: 10 })).body, { jobs: [] }, 'nothing queued: an empty list');
    const ids = await queue(6);
    const first = await pollMany({ max_jobs: 3 });
    assert.equal(first.status, 200, first.text);
    assert.deepEqual(
      first.body.jobs.map((job: { job_id: string }) => job.job_id),
      ids.slice(0, 3),
    );
    assert.equal(new Set(first.body.jobs.map((job: { receipt_template: { nonce?: string; job_id: string } }) => JSON.stringify(job.receipt_template))).size, 3);
    const second = await pollMany({ max_jobs: 10 });
    assert.deepEqual(
      second.body.jobs.map((job: { job_id: string }) => job.job_id),
      ids.slice(3, 4),
      'one slot of 4 was left',
    );
    const full = await pollMany({ max_jobs: 5 });
    assert.equal(full.status, 503);
    assert.equal(full.body.error_code, 'MINER_CAPACITY_FULL');
    assert.deepEqual(await Promise.all(ids.map(jobStatus)), ['running', 'running', 'running', 'running', 'queued', 'queued']);
  });

  test('a batch completion pays each good receipt; a bad signature, a wrong receipt field and a job not held are refused on their own', async () => {
    const ids = await queue(5);
    const claims = (await pollMany({ max_jobs: 4 })).body.jobs;
    clock.advance(1000);
    const [a, b, c, d] = claims.map((claim: Parameters<TestMiner['completion']>[0]) => miner.completion(claim, 'the answer', { prompt_tokens: 5, completion_tokens: 7 }, clock.now()));
    const other = new TestMiner(coordinator, minerKey, 'gpu-box-1');
    const forged = other.completion(claims[1], 'the answer', { prompt_tokens: 5, completion_tokens: 7 }, clock.now());
    const { miner_id: _a, ...itemA } = a;
    const { miner_id: _b, ...itemForged } = forged;
    const { miner_id: _c, ...itemC } = c;
    const { miner_id: _d, ...itemD } = d;
    const answer = await completeMany([
      { job_id: ids[0], ...itemA },
      { job_id: ids[1], ...itemForged },
      { job_id: ids[2], ...itemC, usage: { prompt_tokens: 5, completion_tokens: 8 } },
      { job_id: ids[4], ...itemD },
      { job_id: ids[3], ...itemD },
      { job_id: ids[0], ...itemA },
    ]);
    assert.equal(answer.status, 200, answer.text);
    const results = answer.body.results;
    assert.deepEqual([results[0].status, results[0].price], ['completed', '0.024']);
    assert.equal(results[0].receipt.signatures.length, 2, 'co-signed');
    assert.deepEqual(errorOf(results[1]), ['RECEIPT_INVALID_SIGNATURE', undefined]);
    assert.deepEqual(errorOf(results[2]), ['VALIDATION_INVALID_FORMAT', 'completions.2.receipt.units']);
    assert.equal(results[3].job_id, ids[4]);
    assert.deepEqual(errorOf(results[3]), ['JOB_INVALID_STATUS', undefined], 'queued, never claimed by this miner');
    assert.equal(results[4].status, 'completed');
    assert.deepEqual(errorOf(results[5]), ['JOB_ALREADY_COMPLETED', undefined], 'the same job twice: the second is refused');
    assert.deepEqual(await Promise.all(ids.map(jobStatus)), ['completed', 'running', 'running', 'completed', 'queued']);
    // The refused ones stay open for a correct completion.
    const { miner_id: _, ...itemB } = b;
    const retry = await completeMany([{ job_id: ids[1], ...itemB }, { job_id: ids[2], ...itemC }]);
    assert.deepEqual(
      retry.body.results.map((result: { status: string }) => result.status),
      ['completed', 'completed'],
    );
    const books = (await coordinator.request('GET', '/v1/account', { key: client })).body;
    assert.deepEqual([books.available, books.escrowed], ['98.904', '1'], 'four paid 0.024 each, one still escrowed');
  });

  test('20 completions at once, their signatures verified on worker threads first: a receipt signed with another key and one whose body changed after signing are refused, the rest paid', async () => {
    const big = new TestMiner(coordinator, minerKey, 'gpu-box-20', undefined, 24);
    assert.ok((await big.register()).status < 300);
    const ids = await queue(20);
    const claims = (await coordinator.request('POST', '/v1/miners/poll/batch', { key: minerKey, body: { miner_id: 'gpu-box-20', wait_seconds: 0, max_jobs: 20 } })).body.jobs;
    assert.equal(claims.length, 20);
    clock.advance(1000);
    const items = claims.map((claim: Parameters<TestMiner['completion']>[0] & { job_id: string }) => {
      const { miner_id: _, ...item } = big.completion(claim, 'the answer', { prompt_tokens: 5, completion_tokens: 7 }, clock.now());
      return { job_id: claim.job_id, ...item };
    });
    // Signed with a key that is not the one gpu-box-20 registered.
    const { miner_id: _f, ...forged } = new TestMiner(coordinator, minerKey, 'gpu-box-20').completion(claims[3], 'the answer', { prompt_tokens: 5, completion_tokens: 7 }, clock.now());
    items[3] = { job_id: claims[3].job_id, ...forged };
    // Paid for 75 tokens instead of 12: a well-formed receipt (its id, units and price agree) carrying the signature of the honest one.
    const { miner_id: _i, ...inflated } = big.completion(claims[11], 'the answer', { prompt_tokens: 5, completion_tokens: 70 }, clock.now());
    items[11] = { job_id: claims[11].job_id, ...inflated, receipt: { ...inflated.receipt, signatures: items[11].receipt.signatures } };

    const answer = await completeManyAs('gpu-box-20', items);
    assert.equal(answer.status, 200, answer.text);
    const outcomes = answer.body.results.map((result: { status?: string; error?: { error_code: string } }) => result.status ?? result.error!.error_code);
    assert.deepEqual(outcomes, outcomes.map((_: unknown, i: number) => (i === 3 || i === 11 ? 'RECEIPT_INVALID_SIGNATURE' : 'completed')));
    assert.deepEqual((await Promise.all(ids.map(jobStatus))).filter((status) => status === 'running').length, 2, 'the two refused stay open for a correct completion');
    const books = (await coordinator.request('GET', '/v1/account', { key: client })).body;
    assert.deepEqual([books.available, books.escrowed], ['97.568', '2'], '18 paid 0.024 each (the rest of their escrow back), none at the inflated price');
  });

  test('malformed batch polls and completions are refused whole, naming the field; another key cannot act for the miner', async () => {
    const cases: [Record<string, unknown>, string, string][] = [
      [{ max_jobs: 0 }, 'VALIDATION_OUT_OF_RANGE', 'max_jobs'],
      [{ max_jobs: 101 }, 'VALIDATION_OUT_OF_RANGE', 'max_jobs'],
      [{ max_jobs: '5' }, 'VALIDATION_INVALID_TYPE', 'max_jobs'],
      [{}, 'VALIDATION_MISSING_FIELD', 'max_jobs'],
    ];
    for (const [body, code, field] of cases) {
      const answer = await pollMany(body);
      assert.deepEqual([answer.status, answer.body.error_code, answer.body.field], [422, code, field]);
    }
    const item = { job_id: 'job-x', output: 'o', usage: { prompt_tokens: 1, completion_tokens: 1 }, receipt: {} };
    const completionCases: [unknown[], string, string][] = [
      [[], 'VALIDATION_OUT_OF_RANGE', 'completions'],
      [Array.from({ length: 101 }, () => item), 'VALIDATION_OUT_OF_RANGE', 'completions'],
      [[item, item, { ...item, job_id: undefined }], 'VALIDATION_MISSING_FIELD', 'completions.2.job_id'],
      [[{ ...item, usage: { prompt_tokens: -1, completion_tokens: 1 } }], 'VALIDATION_OUT_OF_RANGE', 'completions.0.usage.prompt_tokens'],
      [[{ ...item, miner_id: 'gpu-box-1' }], 'VALIDATION_INVALID_FORMAT', 'completions.0.miner_id'],
    ];
    for (const [completions, code, field] of completionCases) {
      const answer = await completeMany(completions);
      assert.deepEqual([answer.status, answer.body.error_code, answer.body.field], [422, code, field], answer.text);
    }
    const stranger = await coordinator.createKey(['miner']);
    const foreign = await coordinator.request('POST', '/v1/miners/poll/batch', { key: stranger, body: { miner_id: 'gpu-box-1', max_jobs: 2, wait_seconds: 0 } });
    assert.equal(foreign.body.error_code, 'AUTH_INSUFFICIENT_SCOPE');
  });

  test('two miners polling in batches at once never get the same job', async () => {
    const second = new TestMiner(coordinator, minerKey, 'gpu-box-2', { 'llama3.2': '0.002' }, 100);
    await second.register();
    const third = new TestMiner(coordinator, minerKey, 'gpu-box-3', { 'llama3.2': '0.002' }, 100);
    await third.register();
    const ids = await queue(30);
    const polls = await Promise.all(
      ['gpu-box-2', 'gpu-box-3'].flatMap((minerId) => [0, 1, 2].map(() => coordinator.request('POST', '/v1/miners/poll/batch', { key: minerKey, body: { miner_id: minerId, max_jobs: 10, wait_seconds: 0 } }))),
    );
    const claimed = polls.flatMap((poll) => poll.body.jobs.map((job: { job_id: string }) => job.job_id));
    assert.equal(claimed.length, 30);
    assert.deepEqual([...new Set(claimed)].sort(), [...ids].sort());
  });
});
