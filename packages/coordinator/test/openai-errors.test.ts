// What OpenAI clients (the official `openai` package here; the AI SDK and LangChain read the same
// `error` object) see of AITBC's gaps and refusals: an endpoint we lack under /v1 (images,
// audio), a wrong method, an unknown model — each still a seed envelope for AITBC's own
// clients — and GET /v1/models/{id} for the models on offer.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { startTestCoordinator, TestMiner, type TestCoordinator } from '@aitbc/testkit/coordinator';

let coordinator: TestCoordinator;
let openai: OpenAI;

before(async () => {
  // 'org/tuned' only through --models: accepted, though no miner offers it yet.
  coordinator = await startTestCoordinator({ models: ['org/tuned'] });
  const miner = new TestMiner(coordinator, await coordinator.createKey(['miner']), 'm-online', { 'llama3.2': '0.002' });
  assert.equal((await miner.register()).status, 201);
  openai = new OpenAI({ baseURL: `${coordinator.url}/v1`, apiKey: await coordinator.createClient('alice', '10'), maxRetries: 0 });
});
after(() => coordinator.close());

/** The SDK's error for `call`, which must fail. */
async function failure(call: () => Promise<unknown>): Promise<InstanceType<typeof OpenAI.APIError>> {
  try {
    await call();
  } catch (error) {
    assert.ok(error instanceof OpenAI.APIError, String(error));
    return error;
  }
  assert.fail('the call succeeded');
}

test('GET /v1/models/{id}: the model object for a model an online miner offers, or one in --models', async () => {
  const offered = await openai.models.retrieve('llama3.2');
  assert.deepEqual(offered, { id: 'llama3.2', object: 'model', created: 0, owned_by: 'aitbc', miners_online: 1, min_price: '0.002', median_price: '0.002', capabilities: ['completion', 'chat'], context_length: null });
  // The SDK percent-encodes the slash; a raw slash works too.
  assert.equal((await openai.models.retrieve('org/tuned')).id, 'org/tuned');
  const raw = await coordinator.request('GET', '/v1/models/org/tuned');
  assert.deepEqual([raw.status, raw.body.miners_online, raw.body.min_price, raw.body.median_price], [200, 0, null, null]);
});

test("an unknown model: the seed's VALIDATION_INVALID_MODEL with OpenAI's model_not_found, on retrieve and on chat", async () => {
  const retrieved = await failure(() => openai.models.retrieve('gpt-4o'));
  assert.deepEqual([retrieved.status, retrieved.code, retrieved.param, retrieved.type], [422, 'model_not_found', 'model', 'invalid_request_error']);
  assert.match(retrieved.message, /Model 'gpt-4o' is not offered.*available now: llama3\.2, org\/tuned/);
  const chat = await failure(() => openai.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] }));
  assert.deepEqual([chat.status, chat.code, chat.param], [422, 'model_not_found', 'model']);
  // AITBC's own clients read the seed envelope beside it, unchanged.
  const raw = await coordinator.request('GET', '/v1/models/gpt-4o');
  assert.deepEqual([raw.body.error_code, raw.body.field, typeof raw.body.request_id], ['VALIDATION_INVALID_MODEL', 'model', 'string']);
});

test("an OpenAI endpoint AITBC lacks is a 404 the SDK reads as OpenAI's error", async () => {
  const images = await failure(() => openai.images.generate({ model: 'llama3.2', prompt: 'a cat' }));
  assert.ok(images instanceof OpenAI.NotFoundError);
  assert.deepEqual([images.code, images.type, images.param], ['ROUTE_NOT_FOUND', 'not_found_error', null]);
  assert.match(images.message, /No route POST \/v1\/images\/generations/);
  const speech = await failure(() => openai.audio.speech.create({ model: 'llama3.2', input: 'hi', voice: 'alloy' }));
  assert.deepEqual([speech.status, speech.code], [404, 'ROUTE_NOT_FOUND']);
  const raw = await coordinator.request('POST', '/v1/audio/transcriptions', { body: {} });
  assert.deepEqual([raw.body.error_code, raw.body.detail], ['ROUTE_NOT_FOUND', raw.body.error.message]);
  // Outside /v1 nothing speaks OpenAI: the seed envelope alone.
  const outside = await coordinator.request('POST', '/nowhere');
  assert.deepEqual([outside.status, outside.body.error_code, outside.body.error], [404, 'ROUTE_NOT_FOUND', undefined]);
});

test('a known /v1 path with the wrong method: 405 with Allow, both error shapes', async () => {
  for (const [method, path, allow] of [
    ['GET', '/v1/chat/completions', 'POST'],
    ['DELETE', '/v1/models/llama3.2', 'GET'],
  ] as const) {
    const answer = await coordinator.request(method, path);
    assert.equal(answer.status, 405, `${method} ${path}`);
    assert.equal(answer.headers.get('allow'), allow);
    assert.equal(answer.body.error_code, 'METHOD_NOT_ALLOWED');
    assert.deepEqual(answer.body.error, { message: answer.body.detail, type: 'invalid_request_error', code: 'METHOD_NOT_ALLOWED', param: null });
  }
});

test('an audio or file content part is refused on its type, naming the part types there are', async () => {
  const parts: OpenAI.ChatCompletionContentPart[] = [
    { type: 'input_audio', input_audio: { data: 'UklGRg==', format: 'wav' } },
    { type: 'file', file: { file_id: 'file-1' } },
  ];
  for (const part of parts) {
    const refused = await failure(() => openai.chat.completions.create({ model: 'llama3.2', messages: [{ role: 'user', content: [{ type: 'text', text: 'What is this?' }, part] }] }));
    assert.deepEqual([refused.status, refused.code, refused.param], [422, 'VALIDATION_INVALID_FORMAT', 'messages.0.content.1.type']);
    assert.match(refused.message, /allowed: text, image_url/);
  }
  // A content that is neither a string, a list of parts nor null is still a wrong type.
  const wrong = await failure(() => openai.chat.completions.create({ model: 'llama3.2', messages: [{ role: 'user', content: 7 as never }] }));
  assert.deepEqual([wrong.status, wrong.code, wrong.param], [422, 'VALIDATION_INVALID_TYPE', 'messages.0.content']);
});
