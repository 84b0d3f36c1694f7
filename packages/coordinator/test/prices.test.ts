// Prices up front: /v1/models shows what online miners ask, a job no online miner would take at its
// max_price is refused at once (not left queued to expire), an OpenAI request without max_tokens
// asks for no more than its max_price pays, and a queued stream sends keep-alive comments.

import { afterEach, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { until } from '@aitbc/testkit';
import { startTestCoordinator, submitBody, TestMiner, type TestCoordinator } from '@aitbc/testkit/coordinator';

let coordinator: TestCoordinator;
let client: string;
let cheap: TestMiner;
let dear: TestMiner;

beforeEach(async () => {
  coordinator = await startTestCoordinator({ models: ['mistral'], sseKeepAliveMs: 20 });
  client = await coordinator.createClient('alice');
  const minerKey = await coordinator.createKey(['miner']);
  cheap = new TestMiner(coordinator, minerKey, 'cheap', { 'llama3.2': '0.001' });
  dear = new TestMiner(coordinator, minerKey, 'dear', { 'llama3.2': '0.004' });
  for (const miner of [cheap, new TestMiner(coordinator, minerKey, 'middling', { 'llama3.2': '0.002' }), dear]) assert.equal((await miner.register()).status, 201);
});

afterEach(async () => {
  await coordinator.assertLedger();
  await coordinator.close();
});

const submit = (extra: Record<string, unknown>) => coordinator.request('POST', '/v1/jobs', { key: client, body: submitBody(extra) });
const chat = (extra: Record<string, unknown>) => coordinator.request('POST', '/v1/chat/completions', { key: client, body: { model: 'llama3.2', messages: [{ role: 'user', content: 'hi' }], ...extra } });

test('/v1/models shows per-token min and median prices and miners online; a listed model no miner offers shows null prices', async () => {
  const models = await coordinator.request('GET', '/v1/models');
  assert.deepEqual(
    models.body.data.map((m: any) => [m.id, m.object, m.miners_online, m.min_price, m.median_price]),
    [
      ['llama3.2', 'model', 3, '0.001', '0.002'],
      ['mistral', 'model', 0, null, null],
    ],
  );
  assert.equal((await dear.register({ prices: { 'llama3.2': '0.006' } })).status, 200);
  await new TestMiner(coordinator, cheap.apiKey, 'fourth', { 'llama3.2': '0.003' }).register();
  const four = (await coordinator.request('GET', '/v1/models')).body.data[0];
  assert.deepEqual([four.miners_online, four.min_price, four.median_price], [4, '0.001', '0.0025'], 'of an even count, the mean of the middle two');
});

test('a native job whose max_price no online miner accepts is refused at once, naming the lowest max_price; at that price it is queued', async () => {
  const low = await submit({ max_price: '0.063', params: { max_tokens: 64 } });
  assert.equal(low.status, 422, low.text);
  assert.equal(low.body.error_code, 'VALIDATION_OUT_OF_RANGE');
  assert.equal(low.body.field, 'max_price');
  assert.match(low.body.detail, /0\.001 AITBC per token .* at least 0\.064 AITBC/);
  assert.equal((await coordinator.request('GET', '/v1/jobs', { key: client })).body.items.length, 0, 'nothing was queued or escrowed');

  const enough = await submit({ max_price: '0.064', params: { max_tokens: 64 } });
  assert.equal(enough.status, 201, enough.text);
  assert.equal((await cheap.poll(0)).body.job_id, enough.body.job_id, 'and the cheapest miner takes it');
});

test('a pinned job is checked against its miner’s price; a model only the operator lists waits for a miner whatever its price', async () => {
  const pinned = await submit({ max_price: '0.064', params: { max_tokens: 64 }, miner_id: 'dear' });
  assert.equal(pinned.status, 422, pinned.text);
  assert.equal(pinned.body.field, 'max_price');
  assert.match(pinned.body.detail, /miner dear asks 0\.004 AITBC per token .* at least 0\.256 AITBC/);
  assert.equal((await submit({ max_price: '0.256', params: { max_tokens: 64 }, miner_id: 'dear' })).status, 201);

  const waiting = await submit({ model: 'mistral', max_price: '0.000001', params: { max_tokens: 64 } });
  assert.equal(waiting.status, 201, 'no online price to compare with: it waits for a miner to come online');
});

test('OpenAI: without max_tokens the job asks for what max_price pays at the cheapest online price; below one token it is refused at once', async () => {
  const answer = chat({ max_price: '0.0105' });
  const claim = await until(async () => {
    const poll = await cheap.poll(0);
    return poll.status === 200 ? poll : null;
  }, 'the cheap miner claims the chat job');
  assert.equal(claim.body.params.max_tokens, 10, '0.0105 AITBC at 0.001 per token pays for 10 tokens');
  const done = await cheap.complete(claim.body.job_id, cheap.completion(claim.body, 'ten tokens', { prompt_tokens: 0, completion_tokens: 10 }));
  assert.equal(done.status, 200, done.text);
  const completion = await answer;
  assert.equal(completion.status, 200, completion.text);
  assert.equal(completion.body.choices[0].finish_reason, 'length', 'the client sees the price cap cut the output');

  const below = await chat({ max_price: '0.0005' });
  assert.equal(below.status, 422, below.text);
  assert.equal(below.body.field, 'max_price');
  assert.equal(below.body.error.param, 'max_price');
  assert.match(below.body.detail, /at least 0\.001 AITBC/);
});

test('OpenAI stream: a job waiting for a miner sends `: keep-alive` comments, which leave the chunks intact', async () => {
  const abort = new AbortController();
  const response = await fetch(`${coordinator.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${client}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ model: 'mistral', messages: [{ role: 'user', content: 'hi' }], max_tokens: 8, stream: true }),
    signal: abort.signal,
  });
  assert.equal(response.status, 200);
  const reader = response.body!.getReader();
  let text = '';
  await until(async () => {
    const { value } = await reader.read();
    text += new TextDecoder().decode(value);
    return text.includes('\n\n: keep-alive\n\n');
  }, 'a keep-alive comment after the first chunk');
  const jobId = response.headers.get('x-job-id')!;
  assert.equal((await coordinator.request('GET', `/v1/jobs/${jobId}`, { key: client })).body.status, 'queued');
  assert.ok(text.startsWith('data: {'), 'the role chunk comes first, as OpenAI clients expect');
  abort.abort();
  await until(async () => (await coordinator.request('GET', `/v1/jobs/${jobId}`, { key: client })).body.status === 'cancelled', 'the abandoned job is cancelled');
});
