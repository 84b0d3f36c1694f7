// The SDK against a real coordinator (errors by family, rate limits, maintenance, jobs.run,
// receipt verification) and against a fault-injecting server (every retry rule).

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { AitbcClient, AuthenticationError, PermissionError, NetworkError, NotFoundError, PaymentError, RateLimitError, ServerError, ServiceUnavailableError, ValidationError } from '../src/index.ts';
import { ADMIN_KEY, startTestCoordinator, TestMiner, type TestCoordinator } from '@aitbc/testkit/coordinator';
import { ManualClock } from '@aitbc/testkit';

/** Records the waits instead of sleeping; optionally does something at each wait. */
function recordingSleep(onSleep: (ms: number) => void | Promise<void> = () => undefined) {
  const waits: number[] = [];
  return { waits, sleep: async (ms: number) => void (waits.push(Math.round(ms)), await onSleep(ms)) };
}

describe('against a real coordinator', () => {
  let coordinator: TestCoordinator;
  const clock = new ManualClock(Date.now());

  before(async () => {
    coordinator = await startTestCoordinator({ now: clock.now, models: ['llama3.2'] });
  });
  after(() => coordinator.close());

  test('errors arrive as typed classes keeping code, detail, request id, status and field', async () => {
    const key = await coordinator.createClient('erin', '1');
    const client = new AitbcClient({ baseUrl: coordinator.url, apiKey: key });
    await assert.rejects(client.jobs.submit({ model: 'llama3.2', prompt: 'hi', max_price: '5' }), (error: unknown) => {
      assert.ok(error instanceof PaymentError);
      assert.equal(error.errorCode, 'PAYMENT_INSUFFICIENT_BALANCE');
      assert.equal(error.status, 402);
      assert.match(error.requestId ?? '', /^req-/);
      assert.equal(error.resolution, 'Top up balance');
      assert.equal(error.retryable, false);
      return true;
    });
    await assert.rejects(client.jobs.submit({ model: 'llama3.2', prompt: 'hi', max_price: 'lots' }), (error: unknown) => error instanceof ValidationError && error.field === 'max_price');
    await assert.rejects(client.jobs.get('job-missing'), NotFoundError);
    await assert.rejects(new AitbcClient({ baseUrl: coordinator.url, apiKey: 'wrong' }).account.get(), (error: unknown) => error instanceof AuthenticationError && error.errorCode === 'AUTH_INVALID_KEY');
  });

  test('jobs.run submits, waits and returns a result whose receipt verifies with pinned keys', async () => {
    const client = new AitbcClient({ baseUrl: coordinator.url, apiKey: await coordinator.createClient('frank', '10'), sleep: (ms) => new Promise((resolve) => setTimeout(resolve, Math.min(ms, 50))) });
    const miner = new TestMiner(coordinator, await coordinator.createKey(['miner']), 'sdk-miner');
    await miner.register();
    const serving = (async () => {
      const poll = await miner.poll(10);
      await miner.complete(poll.body.job_id, miner.completion(poll.body, 'the answer', undefined, clock.now()));
    })();
    const statuses: string[] = [];
    const result = await client.jobs.run({ model: 'llama3.2', prompt: 'question', max_price: '1' }, { onStatus: (job) => statuses.push(job.status) });
    await serving;
    assert.equal(result.output, 'the answer');
    assert.equal(result.price, '0.024');
    assert.deepEqual((await client.receipts.verify(result.receipt)).valid, true);
    assert.equal((await client.receipts.verify(result.receipt, { minerPublicKey: (await client.coordinator()).public_key })).valid, false, 'a wrong pinned key fails');
    assert.deepEqual(await client.account.get(), { account: 'frank', available: '9.976', escrowed: '0', withdrawing: '0', disputable: '0' });
  });

  test('jobs.submitMany, miners.pollMany and miners.completeMany: a batch from submit to co-signed receipts, one result per job', async () => {
    const client = new AitbcClient({ baseUrl: coordinator.url, apiKey: await coordinator.createClient('batch-client', '2') });
    const minerKey = await coordinator.createKey(['miner']);
    const miner = new TestMiner(coordinator, minerKey, 'sdk-batch-miner', { 'llama3.2': '0.002' }, 8);
    await miner.register();
    const minerClient = new AitbcClient({ baseUrl: coordinator.url, apiKey: minerKey });
    const jobs = ['a', 'b', 'c'].map((prompt) => ({ model: 'llama3.2', prompt, max_price: '1' }));
    const { results } = await client.jobs.submitMany(jobs);
    assert.deepEqual(
      results.map((result) => ('job' in result ? 'created' : result.error.error_code)),
      ['created', 'created', 'PAYMENT_INSUFFICIENT_BALANCE'],
    );
    const claimed = await minerClient.miners.pollMany('sdk-batch-miner', 5, 0);
    assert.equal(claimed.length, 2);
    const completions = claimed.map((job) => {
      const { miner_id: _, ...completion } = miner.completion(job, 'the answer', undefined, clock.now());
      return { job_id: job.job_id, ...completion };
    });
    const done = await minerClient.miners.completeMany('sdk-batch-miner', completions);
    assert.deepEqual(
      done.results.map((result) => ('error' in result ? result.error.error_code : result.status)),
      ['completed', 'completed'],
    );
    assert.deepEqual(await minerClient.miners.pollMany('sdk-batch-miner', 5, 0), []);
    assert.equal((await client.account.get()).available, '1.952');
  });

  test("the web pages' reads: receipts.list, account.spend and key, miners.earningsSeries, market.get, admin.deposits", async () => {
    const clientKey = await coordinator.createClient('gina', '10', { daily_job_quota: 5 });
    const client = new AitbcClient({ baseUrl: coordinator.url, apiKey: clientKey });
    const minerKey = await coordinator.createKey(['miner']);
    const miner = new TestMiner(coordinator, minerKey, 'sdk-web-miner', { 'sdk-web-model': '0.001' });
    await miner.register();
    const submitted = await client.jobs.submit({ model: 'sdk-web-model', prompt: 'question', max_price: '1' });
    const claim = (await miner.poll(0)).body;
    await miner.complete(claim.job_id, miner.completion(claim, 'the answer', undefined, clock.now()));

    const receipts = await client.receipts.list({ limit: 10 });
    assert.deepEqual(receipts.items.map((item) => [item.job_id, item.miner_id, item.price, item.units]), [[submitted.job_id, 'sdk-web-miner', '0.012', 12]]);
    assert.equal(receipts.next_cursor, null);
    const day = new Date(clock.now()).toISOString().slice(0, 10);
    assert.deepEqual(await client.account.spend({ days: 1 }), { account: 'gina', days: [{ day, jobs: 1, spent: '0.012' }] });
    assert.deepEqual([(await client.account.key()).daily_job_quota, (await client.account.key()).used_today], [5, 1]);
    const series = await new AitbcClient({ baseUrl: coordinator.url, apiKey: minerKey }).miners.earningsSeries('sdk-web-miner', { days: 3 });
    assert.deepEqual(series.days, [{ day, model: 'sdk-web-model', jobs: 1, units: 12, earned: '0.012' }]);
    const market = await new AitbcClient({ baseUrl: coordinator.url }).market.get();
    assert.ok(market.models.some((model) => model.model === 'sdk-web-model' && model.min_price === '0.001'));
    assert.deepEqual(await new AitbcClient({ baseUrl: coordinator.url, apiKey: ADMIN_KEY }).admin.deposits({ limit: 5 }), { items: [] });
    await assert.rejects(client.receipts.list({ account: 'someone-else' }), (error: unknown) => error instanceof PermissionError && error.errorCode === 'AUTH_INSUFFICIENT_SCOPE');
  });

  test('miners.list needs no key, filters by model and pages with next_cursor', async () => {
    const minerKey = await coordinator.createKey(['miner']);
    for (const id of ['list-a', 'list-b', 'list-c']) assert.equal((await new TestMiner(coordinator, minerKey, id, { 'sdk-list-model': '0.001' }).register()).status, 201);
    const anyone = new AitbcClient({ baseUrl: coordinator.url });
    const seen: string[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < 5; page++) {
      const answer = await anyone.miners.list({ model: 'sdk-list-model', limit: 2, ...(cursor ? { cursor } : {}) });
      seen.push(...answer.items.map((miner) => miner.miner_id));
      for (const miner of answer.items) assert.deepEqual([miner.status, miner.reputation.jobs_completed, miner.reputation.score], ['online', 0, 0]);
      if (answer.next_cursor === null) break;
      cursor = answer.next_cursor;
    }
    assert.deepEqual(seen, ['list-a', 'list-b', 'list-c']);
    await assert.rejects(anyone.miners.list({ cursor: 'forged' }), (error: unknown) => error instanceof ValidationError && error.field === 'cursor');
  });

  test('RATE_LIMIT_EXCEEDED is retried after exactly retry_after, within the time budget', async () => {
    const key = await coordinator.createClient('gina', '1', { rate_limit_per_minute: 1 });
    const { waits, sleep } = recordingSleep((ms) => clock.advance(ms));
    const client = new AitbcClient({ baseUrl: coordinator.url, apiKey: key, sleep, random: () => 0, retry: { maxElapsedMs: 120_000 } });
    await client.account.get();
    assert.equal((await client.account.get()).account, 'gina');
    assert.deepEqual(waits, [60_000]);

    const impatient = new AitbcClient({ baseUrl: coordinator.url, apiKey: key, sleep, random: () => 0 });
    await assert.rejects(impatient.account.get(), (error: unknown) => error instanceof RateLimitError && error.retryAfter === 60);
    assert.deepEqual(waits, [60_000], 'a 60 s wait does not fit the default 30 s budget: no retry');
  });

  test('SYSTEM_MAINTENANCE is retried after retry_after until maintenance ends', async () => {
    const admin = new AitbcClient({ baseUrl: coordinator.url, apiKey: ADMIN_KEY });
    await admin.admin.setMaintenance({ enabled: true, message: 'upgrading', retry_after: 2 });
    const { waits, sleep } = recordingSleep(async () => {
      if (waits.length === 2) await admin.admin.setMaintenance({ enabled: false });
    });
    const client = new AitbcClient({ baseUrl: coordinator.url, apiKey: await coordinator.createClient('hank', '1'), sleep, random: () => 0 });
    assert.equal((await client.account.get()).account, 'hank');
    assert.deepEqual(waits, [2000, 2000]);
  });
});

describe('against a fault-injecting server', () => {
  interface Scripted {
    status: number;
    body?: unknown;
  }
  let server: Server;
  let url: string;
  let script: Scripted[] = [];
  let seen: { method: string; path: string; idempotencyKey: string | undefined }[] = [];

  before(async () => {
    server = createServer((request: IncomingMessage, response) => {
      seen.push({ method: request.method!, path: request.url!, idempotencyKey: request.headers['idempotency-key'] as string | undefined });
      const next = script.shift() ?? { status: 200, body: { status: 'ok' } };
      response.writeHead(next.status, { 'content-type': 'application/json', 'x-request-id': `req-fault-${seen.length}` });
      response.end(next.body === undefined ? '' : JSON.stringify(next.body));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const envelope = (code: string, extra: Record<string, unknown> = {}) => ({ detail: code.toLowerCase(), error_code: code, request_id: 'req-x', ...extra });
  const run = (steps: Scripted[]) => {
    script = steps;
    seen = [];
  };

  test('502, 503 with retry_after, 500, then success: backoff with jitter, retry_after honoured', async () => {
    run([
      { status: 502, body: envelope('SYSTEM_UPSTREAM_ERROR') },
      { status: 503, body: envelope('SYSTEM_OVERLOADED', { retry_after: 1 }) },
      { status: 500, body: envelope('SYSTEM_INTERNAL_ERROR') },
      { status: 200, body: { status: 'ok', version: 'x', uptime_s: 1, db: 'ok', chain: 'disabled' } },
    ]);
    const { waits, sleep } = recordingSleep();
    const client = new AitbcClient({ baseUrl: url, sleep, random: () => 0.5 });
    assert.equal((await client.health()).status, 'ok');
    assert.equal(seen.length, 4);
    // Full jitter: random × min(8 s, 250 ms × 2^attempt); retry_after 1 s plus up to 10 %.
    assert.deepEqual(waits, [125, 1050, 500]);
  });

  test('attempts are bounded: the last error is thrown after maxAttempts', async () => {
    run(Array.from({ length: 10 }, () => ({ status: 502, body: envelope('SYSTEM_UPSTREAM_ERROR') })));
    const { waits, sleep } = recordingSleep();
    const client = new AitbcClient({ baseUrl: url, sleep, random: () => 1 });
    await assert.rejects(client.health(), (error: unknown) => error instanceof ServerError && error.errorCode === 'SYSTEM_UPSTREAM_ERROR' && error.requestId === 'req-x');
    assert.equal(seen.length, 4);
    assert.deepEqual(waits, [250, 500, 1000]);
  });

  test('4xx other than RATE_LIMIT_EXCEEDED is never retried, RATE_QUOTA_EXCEEDED included', async () => {
    for (const [status, code] of [[422, 'VALIDATION_INVALID_FORMAT'], [409, 'JOB_ALREADY_CLAIMED'], [429, 'RATE_QUOTA_EXCEEDED'], [401, 'AUTH_INVALID_KEY']] as const) {
      run([{ status, body: envelope(code, code === 'RATE_QUOTA_EXCEEDED' ? { retry_after: 5 } : {}) }]);
      const { waits, sleep } = recordingSleep();
      await assert.rejects(new AitbcClient({ baseUrl: url, sleep }).jobs.get('job-1'), (error: unknown) => (error as { errorCode: string }).errorCode === code);
      assert.equal(seen.length, 1, code);
      assert.deepEqual(waits, []);
    }
  });

  test('a request that may have run is retried only when idempotent; 503 always (it did not run)', async () => {
    run([{ status: 500, body: envelope('SYSTEM_INTERNAL_ERROR') }]);
    const { sleep } = recordingSleep();
    const admin = new AitbcClient({ baseUrl: url, sleep, apiKey: 'k' });
    await assert.rejects(admin.admin.credit('alice', '5'), ServerError);
    assert.equal(seen.length, 1, 'a credit is not repeated after a 500');

    run([{ status: 503, body: envelope('SYSTEM_MAINTENANCE', { retry_after: 1 }) }, { status: 200, body: { account: 'alice', available: '5', escrowed: '0' } }]);
    assert.equal((await admin.admin.credit('alice', '5')).available, '5');
    assert.equal(seen.length, 2, 'a 503 means it never ran, so it is retried');
  });

  test('a retried submit carries the same Idempotency-Key on every attempt', async () => {
    run([{ status: 502, body: envelope('SYSTEM_UPSTREAM_ERROR') }, { status: 500 }, { status: 201, body: { job_id: 'job-1', status: 'queued' } }]);
    const { sleep } = recordingSleep();
    const client = new AitbcClient({ baseUrl: url, sleep, apiKey: 'k' });
    assert.equal((await client.jobs.submit({ model: 'm', prompt: 'p', max_price: '1' })).job_id, 'job-1');
    assert.equal(seen.length, 3);
    assert.equal(new Set(seen.map((request) => request.idempotencyKey)).size, 1);
    assert.match(seen[0]!.idempotencyKey ?? '', /^sdk-[0-9a-f]{32}$/);
  });

  test('no answer at all: idempotent requests retried, then a NetworkError', async () => {
    const { waits, sleep } = recordingSleep();
    const client = new AitbcClient({ baseUrl: 'http://127.0.0.1:1', sleep, random: () => 0 });
    await assert.rejects(client.health(), (error: unknown) => error instanceof NetworkError && error.status === 0);
    assert.equal(waits.length, 3);
    await assert.rejects(new AitbcClient({ baseUrl: 'http://127.0.0.1:1', sleep }).miners.poll('m', 1), NetworkError);
    assert.equal(waits.length, 3, 'a poll is not repeated blind: it may have claimed a job');
  });

  test('a 503 without an envelope is still a ServiceUnavailableError', async () => {
    run([{ status: 503 }, { status: 503 }, { status: 503 }, { status: 503 }]);
    const { sleep } = recordingSleep();
    await assert.rejects(new AitbcClient({ baseUrl: url, sleep }).health(), (error: unknown) => error instanceof ServiceUnavailableError && error.errorCode === 'HTTP_503');
  });
});

describe('a submit whose answer is lost', () => {
  test('is retried with its Idempotency-Key: one job, one escrow', async () => {
    const coordinator = await startTestCoordinator({ models: ['llama3.2'] });
    try {
      const key = await coordinator.createClient('ivy', '10');
      // A proxy that forwards the first submit but loses the answer (a 502 to the client).
      let lost = false;
      const proxy = createServer(async (request, response) => {
        const chunks: Buffer[] = [];
        for await (const chunk of request) chunks.push(chunk as Buffer);
        const forwarded = await fetch(coordinator.url + request.url, { method: request.method, headers: request.headers as Record<string, string>, body: chunks.length ? Buffer.concat(chunks) : undefined });
        const text = await forwarded.text();
        if (!lost && request.url === '/v1/jobs') {
          lost = true;
          response.writeHead(502, { 'content-type': 'application/json' }).end(JSON.stringify({ detail: 'lost', error_code: 'SYSTEM_UPSTREAM_ERROR', request_id: 'req-proxy' }));
          return;
        }
        response.writeHead(forwarded.status, { 'content-type': 'application/json' }).end(text);
      });
      await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
      const client = new AitbcClient({ baseUrl: `http://127.0.0.1:${(proxy.address() as { port: number }).port}`, apiKey: key, sleep: async () => undefined });
      const job = await client.jobs.submit({ model: 'llama3.2', prompt: 'once', max_price: '2' });
      assert.ok(lost);
      const page = await client.jobs.list();
      assert.deepEqual(page.items.map((item) => item.job_id), [job.job_id]);
      assert.deepEqual(await client.account.get(), { account: 'ivy', available: '8', escrowed: '2', withdrawing: '0', disputable: '0' });
      await new Promise<void>((resolve) => proxy.close(() => resolve()));
    } finally {
      await coordinator.close();
    }
  });
});
