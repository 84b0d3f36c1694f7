// OpenAiBackend against a fake OpenAI-compatible server speaking /v1/models and streamed
// /v1/chat/completions (server-sent events).

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { OpenAiBackend } from '../../src/backends/openai.ts';
import { countTokens } from '../../src/backends/demo.ts';
import { chatInput, closedEarly, collect, refusedUrl, rejectsWith, sendJson, startServer, within, writeInChunks } from './fake-server.ts';

type Script = 'ok' | 'no-usage' | 'crlf' | 'status500' | 'status400' | 'hang' | 'stream-error';
let script: Script = 'ok';
let hungUp: Promise<void> | undefined;

const MODELS = ['qwen2.5-7b-instruct', 'llama-3.1-8b'];
const PIECES = ['Hello', ' there,', ' wörld', ' 🙂', ' friend'];
const chunk = (choices: unknown[], extra: Record<string, unknown> = {}) => ({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'qwen2.5-7b-instruct', choices, ...extra });

function events(usage: boolean, newline = '\n'): string {
  const objects: unknown[] = [
    chunk([{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }]),
    ...PIECES.map((content) => chunk([{ index: 0, delta: { content }, finish_reason: null }])),
    chunk([{ index: 0, delta: {}, finish_reason: 'stop' }]),
  ];
  if (usage) objects.push(chunk([], { usage: { prompt_tokens: 9, completion_tokens: 6, total_tokens: 15 } }));
  const body = objects.map((object) => `data: ${JSON.stringify(object)}${newline}${newline}`).join('');
  // A keep-alive comment in the middle, as some servers send.
  return `: ping${newline}${newline}${body}data: [DONE]${newline}${newline}`;
}

const fake = await startServer(async ({ method, path, body }, res: ServerResponse) => {
  if (method === 'GET' && path === '/v1/models') {
    return sendJson(res, 200, { object: 'list', data: MODELS.map((id) => ({ id, object: 'model', owned_by: 'vllm' })) });
  }
  if (method !== 'POST' || path !== '/v1/chat/completions') return sendJson(res, 404, { detail: 'Not Found' });
  const model = (body as { model: string }).model;
  if (!MODELS.includes(model)) {
    return sendJson(res, 404, { error: { message: `The model \`${model}\` does not exist.`, type: 'invalid_request_error', param: 'model', code: 'model_not_found' } });
  }
  if (script === 'status500') return sendJson(res, 500, { error: { message: 'engine dead', type: 'InternalServerError', code: 500 } });
  if (script === 'status400') return sendJson(res, 400, { error: { message: 'max_tokens is too large', type: 'BadRequestError', code: 400 } });
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  if (script === 'hang') {
    hungUp = closedEarly(res);
    await writeInChunks(res, `data: ${JSON.stringify(chunk([{ index: 0, delta: { content: 'Hello' } }]))}\n\ndata: {"id`);
    return;
  }
  if (script === 'stream-error') {
    await writeInChunks(res, `data: ${JSON.stringify(chunk([{ index: 0, delta: { content: 'Hel' } }]))}\n\ndata: ${JSON.stringify({ error: { message: 'CUDA out of memory', code: 500 } })}\n\n`);
    return void res.end();
  }
  await writeInChunks(res, events(script !== 'no-usage', script === 'crlf' ? '\r\n' : '\n'), 11);
  res.end();
});
after(() => fake.close());

const backend = new OpenAiBackend({ baseUrl: `${fake.url}/v1`, apiKey: 'sk-test' });
const last = () => fake.received.at(-1)!;

test('lists data[].id from /models, with the API key', async () => {
  assert.deepEqual(await backend.listModels(), MODELS);
  assert.equal(last().headers.authorization, 'Bearer sk-test');
});

test('a base URL without /v1 is rejected with a hint', async () => {
  const wrong = new OpenAiBackend({ baseUrl: fake.url });
  await rejectsWith(wrong.listModels(), 'rejected', /\/v1/);
});

test('streams the pieces and takes usage from the usage chunk', async () => {
  script = 'ok';
  const result = await collect(backend.generate({ model: 'qwen2.5-7b-instruct', input: chatInput('Say hello') }));
  assert.deepEqual(result.pieces, PIECES);
  assert.equal(result.text, 'Hello there, wörld 🙂 friend');
  assert.deepEqual(result.usage, { promptTokens: 9, completionTokens: 6 });
  assert.equal(result.doneCount, 1);
});

test('copes with CRLF line endings', async () => {
  script = 'crlf';
  const result = await collect(backend.generate({ model: 'qwen2.5-7b-instruct', input: chatInput('Say hello') }));
  assert.equal(result.text, PIECES.join(''));
  assert.deepEqual(result.usage, { promptTokens: 9, completionTokens: 6 });
});

test('passes the parameters through and asks for usage', async () => {
  script = 'ok';
  await collect(backend.generate({ model: 'llama-3.1-8b', input: chatInput('Hi there'), maxTokens: 32, temperature: 0.2, topP: 0.9, seed: 7, stop: ['\n\n'] }));
  assert.equal(last().path, '/v1/chat/completions');
  assert.equal(last().headers.authorization, 'Bearer sk-test');
  assert.deepEqual(last().body, {
    model: 'llama-3.1-8b',
    messages: [{ role: 'user', content: 'Hi there' }],
    stream: true,
    stream_options: { include_usage: true },
    max_tokens: 32,
    temperature: 0.2,
    top_p: 0.9,
    seed: 7,
    stop: ['\n\n'],
  });
});

test('leaves out unset parameters and the Authorization header without a key', async () => {
  script = 'ok';
  const keyless = new OpenAiBackend({ baseUrl: `${fake.url}/v1/` });
  await collect(keyless.generate({ model: 'llama-3.1-8b', input: chatInput('Hi') }));
  assert.equal(last().headers.authorization, undefined);
  assert.deepEqual(Object.keys(last().body as object).sort(), ['messages', 'model', 'stream', 'stream_options']);
});

test('without usage from the server, counts words so units are never zero', async () => {
  script = 'no-usage';
  const prompt = 'Please say hello to the world';
  const result = await collect(backend.generate({ model: 'qwen2.5-7b-instruct', input: chatInput(prompt) }));
  assert.equal(result.text, PIECES.join(''));
  assert.deepEqual(result.usage, { promptTokens: countTokens(prompt), completionTokens: countTokens(PIECES.join('')) });
  assert.deepEqual(result.usage, { promptTokens: 6, completionTokens: 5 });
});

test('an unknown model is model_not_found', async () => {
  await rejectsWith(collect(backend.generate({ model: 'gpt-5', input: chatInput('Hi') })), 'model_not_found', /does not exist/);
});

test('500 is unavailable, 400 is rejected', async () => {
  script = 'status500';
  await rejectsWith(collect(backend.generate({ model: 'llama-3.1-8b', input: chatInput('Hi') })), 'unavailable', /engine dead/);
  script = 'status400';
  await rejectsWith(collect(backend.generate({ model: 'llama-3.1-8b', input: chatInput('Hi') })), 'rejected', /too large/);
});

test('an error event inside the stream is unavailable', async () => {
  script = 'stream-error';
  await rejectsWith(collect(backend.generate({ model: 'llama-3.1-8b', input: chatInput('Hi') })), 'unavailable', /CUDA out of memory/);
});

test('connection refused is unavailable', async () => {
  const nowhere = new OpenAiBackend({ baseUrl: `${await refusedUrl()}/v1` });
  await rejectsWith(nowhere.listModels(), 'unavailable', /ECONNREFUSED/);
  await rejectsWith(collect(nowhere.generate({ model: 'llama-3.1-8b', input: chatInput('Hi') })), 'unavailable');
});

test('abort mid-stream stops promptly with aborted and closes the connection', async () => {
  script = 'hang';
  const controller = new AbortController();
  const stream = backend.generate({ model: 'llama-3.1-8b', input: chatInput('Hi'), signal: controller.signal })[Symbol.asyncIterator]();
  assert.deepEqual((await stream.next()).value, { type: 'text', text: 'Hello' });
  setTimeout(() => controller.abort(), 20);
  await within(rejectsWith(stream.next(), 'aborted'), 1000, 'abort');
  await within(hungUp!, 1000, 'server sees the connection closed');
});

test('a silent server times out as unavailable', async () => {
  script = 'hang';
  const impatient = new OpenAiBackend({ baseUrl: `${fake.url}/v1`, timeoutMs: 150 });
  await within(rejectsWith(collect(impatient.generate({ model: 'llama-3.1-8b', input: chatInput('Hi') })), 'unavailable', /no answer/), 2000, 'timeout');
});
