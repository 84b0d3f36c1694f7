// GET /metrics after real activity: a job submitted, claimed after a wait and completed by a
// TestMiner, another left queued, a streamed chat; then, on a chain, a receipt waiting for
// settlement. The exposition is parsed line by line and the figures an operator reads are checked.

import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { formatAmount, generateKeyPair } from '@aitbc/protocol';
import { ManualClock, parseExposition, until } from '@aitbc/testkit';
import { startTestChain } from '@aitbc/testkit/chain';
import { TestMiner, startTestCoordinator, submitBody, type TestCoordinator } from '@aitbc/testkit/coordinator';

const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

async function scrape(coordinator: TestCoordinator): Promise<Map<string, number>> {
  const answer = await coordinator.request('GET', '/metrics');
  assert.equal(answer.status, 200);
  assert.match(answer.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  return parseExposition(answer.text);
}

test('jobs, histograms, money and the books after a job, a queued job and a streamed chat', async () => {
  const clock = new ManualClock();
  const coordinator = await startTestCoordinator({ now: clock.now });
  cleanups.push(() => coordinator.close());
  const client = await coordinator.createClient('alice', '10');
  const miner = new TestMiner(coordinator, await coordinator.createKey(['miner']), 'miner-1');
  assert.equal((await miner.register()).status, 201);

  const jobId = (await coordinator.request('POST', '/v1/jobs', { key: client, body: submitBody() })).body.job_id as string;
  clock.advance(2_000);
  const claim = (await miner.poll(0)).body;
  assert.equal(claim.job_id, jobId);
  clock.advance(3_000);
  assert.equal((await miner.complete(jobId, miner.completion(claim, 'x', undefined, clock.now()))).status, 200);

  const openai = new OpenAI({ baseURL: `${coordinator.url}/v1`, apiKey: client, maxRetries: 0 });
  const stream = await openai.chat.completions.create({ model: 'llama3.2', messages: [{ role: 'user', content: 'Hi?' }], stream: true, max_tokens: 20 });
  const chat = await until(async () => {
    const poll = await miner.poll(0);
    return poll.status === 200 ? poll.body : null;
  }, 'the miner claims the chat');
  assert.equal(chat.kind, 'chat');
  assert.equal((await miner.complete(chat.job_id, miner.completion(chat, 'Hello.', undefined, clock.now()))).status, 200);
  let text = '';
  for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
  assert.equal(text, 'Hello.');
  assert.equal((await coordinator.request('POST', '/v1/jobs', { key: client, body: submitBody({ max_price: '1.5' }) })).status, 201);

  const metrics = await scrape(coordinator);
  assert.equal(metrics.get('aitbc_jobs{status="completed"}'), 2);
  assert.equal(metrics.get('aitbc_jobs{status="queued"}'), 1);
  assert.equal(metrics.get('aitbc_jobs{status="running"}'), 0);
  // Queue wait: 2 s for the first job, none for the chat; run time: 3 s, then none.
  assert.equal(metrics.get('aitbc_job_queue_wait_seconds_count'), 2);
  assert.equal(metrics.get('aitbc_job_queue_wait_seconds_sum'), 2);
  assert.equal(metrics.get('aitbc_job_queue_wait_seconds_bucket{le="1"}'), 1);
  assert.equal(metrics.get('aitbc_job_run_seconds_count'), 2);
  assert.equal(metrics.get('aitbc_job_run_seconds_sum'), 3);
  assert.equal(metrics.get('aitbc_openai_time_to_first_token_seconds_count{route="/v1/chat/completions"}'), 1);
  assert.equal(metrics.get('aitbc_http_request_duration_seconds_count{method="POST",route="/v1/jobs",status="201"}'), 2);
  assert.equal(metrics.get('aitbc_http_request_duration_seconds_count{method="POST",route="/v1/miners/poll",status="200"}'), 2);

  // Money: the queued job's escrow, and the rest of alice's balance, as the books say.
  const account = (await coordinator.request('GET', '/v1/account', { key: client })).body;
  assert.equal(metrics.get('aitbc_escrowed_aitbc'), 1.5);
  assert.equal(String(metrics.get('aitbc_escrowed_aitbc')), account.escrowed);
  assert.equal(String(metrics.get('aitbc_available_aitbc')), account.available);
  assert.equal(metrics.get('aitbc_ledger_difference_micro'), 0);
  assert.equal(metrics.get('aitbc_settlement_lag_seconds'), 0, 'no chain: nothing settles, nothing lags');
  assert.equal(metrics.get('aitbc_outbox{kind="settle",state="failed"}'), 0);
  assert.equal(metrics.get('aitbc_miners_online'), 1);
  assert.equal(metrics.get('aitbc_checks_skipped_total{reason="no_digest"}'), 0);
  assert.ok((metrics.get('process_cpu_user_seconds_total') ?? 0) > 0, 'default process metrics');
  assert.ok((metrics.get('nodejs_heap_size_used_bytes') ?? 0) > 0);
});

test('on a chain: a completed receipt not yet settled shows as settlement lag', async () => {
  const key = generateKeyPair();
  const chain = await startTestChain({ coordinator: key, allocations: [] });
  // Batches wait an hour: the receipt stays unsettled for this test.
  const coordinator = await startTestCoordinator({ chainUrl: chain.url, coordinatorSecretKey: key.secretKey, chainPollMs: 50, settleWaitMs: 3_600_000 });
  cleanups.push(async () => {
    await coordinator.close();
    await chain.close();
  });
  const client = await coordinator.createClient('bob', '5');
  const miner = new TestMiner(coordinator, await coordinator.createKey(['miner']), 'miner-2');
  assert.equal((await miner.register()).status, 201);
  assert.equal((await scrape(coordinator)).get('aitbc_settlement_lag_seconds'), 0, 'no receipt yet');

  const jobId = (await coordinator.request('POST', '/v1/jobs', { key: client, body: submitBody() })).body.job_id as string;
  const claim = (await miner.poll(0)).body;
  assert.equal((await miner.complete(jobId, miner.completion(claim, 'x'))).status, 200);
  const metrics = await until(async () => {
    const scraped = await scrape(coordinator);
    return (scraped.get('aitbc_settlement_lag_seconds') ?? 0) > 0 ? scraped : null;
  }, 'the unsettled receipt to age');
  assert.equal(metrics.get('aitbc_escrowed_aitbc'), 0);
  assert.equal(metrics.get('aitbc_ledger_difference_micro'), 0);
  for (const state of ['queued', 'pending', 'sent', 'final', 'failed', 'duplicate']) assert.equal(metrics.get(`aitbc_outbox{kind="settle",state="${state}"}`), 0, `no settlement ${state}`);
  const audit = await coordinator.store.auditLedger();
  assert.equal(formatAmount(audit.totals.available), String(metrics.get('aitbc_available_aitbc')));
});
