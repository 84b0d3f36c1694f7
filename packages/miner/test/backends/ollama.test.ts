// OllamaBackend against a fake Ollama server speaking /api/tags and streamed /api/chat.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { OllamaBackend } from '../../src/backends/ollama.ts';
import { chatInput, closedEarly, collect, refusedUrl, rejectsWith, sendJson, startServer, within, writeInChunks } from './fake-server.ts';

type Script = 'ok' | 'status500' | 'status400' | 'stream-error' | 'hang' | 'truncated';
let script: Script = 'ok';
let hungUp: Promise<void> | undefined;

const PIECES = ['Hello', ',', ' wörld', ' — fine', ' 🙂!'];
const lines = (objects: unknown[]): string => objects.map((object) => `${JSON.stringify(object)}\n`).join('');
const piece = (content: string) => ({ model: 'llama3.2:latest', created_at: '2025-01-01T00:00:00Z', message: { role: 'assistant', content }, done: false });
const final = { model: 'llama3.2:latest', message: { role: 'assistant', content: '' }, done: true, done_reason: 'stop', total_duration: 1, prompt_eval_count: 12, eval_count: 5 };

// As /api/tags gives it: 64 hex digits, no algorithm prefix.
const LLAMA_DIGEST = 'a80c4f17acd55265feec403c7aef86be0c25983ab279d83f3bcd3abbcb5b8b72';

const fake = await startServer(async ({ method, path, body }, res: ServerResponse) => {
  if (method === 'GET' && path === '/api/tags') {
    return sendJson(res, 200, {
      models: [
        { name: 'llama3.2:latest', model: 'llama3.2:latest', size: 1, digest: LLAMA_DIGEST, details: {} },
        { name: 'qwen2.5:7b', model: 'qwen2.5:7b', size: 2, digest: 'not-a-digest', details: {} },
        { name: 'llama3.2', model: 'llama3.2', size: 1, digest: LLAMA_DIGEST, details: {} },
      ],
    });
  }
  if (method !== 'POST' || path !== '/api/chat') {
    // What Ollama's router answers for a path it does not serve.
    res.writeHead(404, { 'content-type': 'text/plain' });
    return void res.end('404 page not found');
  }
  const model = (body as { model: string }).model;
  if (!['llama3.2', 'llama3.2:latest', 'qwen2.5:7b'].includes(model)) {
    return sendJson(res, 404, { error: `model "${model}" not found, try pulling it first` });
  }
  if (script === 'status500') return sendJson(res, 500, { error: 'llama runner process has terminated' });
  if (script === 'status400') return sendJson(res, 400, { error: 'invalid options' });
  res.writeHead(200, { 'content-type': 'application/x-ndjson' });
  if (script === 'hang') {
    hungUp = closedEarly(res);
    await writeInChunks(res, lines([piece('Hello')]) + '{"model":"lla'); // then nothing more
    return;
  }
  if (script === 'stream-error') {
    await writeInChunks(res, lines([piece('Hel'), { error: 'an error was encountered while running the model: CUDA out of memory' }]));
    return void res.end();
  }
  if (script === 'truncated') {
    await writeInChunks(res, lines([piece('Hel')]));
    return void res.end();
  }
  await writeInChunks(res, lines([...PIECES.map(piece), final]));
  res.end();
});
after(() => fake.close());

const backend = new OllamaBackend({ baseUrl: fake.url + '/' });
const lastBody = (): Record<string, unknown> => fake.received.at(-1)!.body as Record<string, unknown>;

test('lists models with bare names for :latest tags, without duplicates', async () => {
  assert.deepEqual(await backend.listModels(), ['llama3.2:latest', 'llama3.2', 'qwen2.5:7b']);
});

test("reports each model's /api/tags digest as sha256:…, skipping malformed ones", async () => {
  assert.deepEqual(await backend.modelDigests(), { 'llama3.2:latest': `sha256:${LLAMA_DIGEST}`, 'llama3.2': `sha256:${LLAMA_DIGEST}` });
});

test('streams the pieces as produced and takes usage from the final object', async () => {
  script = 'ok';
  const result = await collect(backend.generate({ model: 'llama3.2', input: chatInput('Say hello') }));
  assert.deepEqual(result.pieces, PIECES);
  assert.equal(result.text, 'Hello, wörld — fine 🙂!');
  assert.deepEqual(result.usage, { promptTokens: 12, completionTokens: 5 });
  assert.equal(result.doneCount, 1);
});

test('passes the parameters through as Ollama options', async () => {
  script = 'ok';
  await collect(backend.generate({ model: 'qwen2.5:7b', input: chatInput('Hi there'), maxTokens: 32, temperature: 0.2, topP: 0.9, seed: 7, stop: ['\n\n', 'END'] }));
  assert.deepEqual(lastBody(), {
    model: 'qwen2.5:7b',
    messages: [{ role: 'user', content: 'Hi there' }],
    stream: true,
    options: { num_predict: 32, temperature: 0.2, top_p: 0.9, seed: 7, stop: ['\n\n', 'END'] },
  });
  assert.equal(fake.received.at(-1)!.path, '/api/chat');
});

test('leaves out the options nobody set', async () => {
  script = 'ok';
  await collect(backend.generate({ model: 'qwen2.5:7b', input: chatInput('Hi'), temperature: 0 }));
  assert.deepEqual(lastBody()['options'], { temperature: 0 });
  await collect(backend.generate({ model: 'qwen2.5:7b', input: chatInput('Hi') }));
  assert.equal('options' in lastBody(), false);
});

test('an unknown model is model_not_found, never another model', async () => {
  script = 'ok';
  await rejectsWith(collect(backend.generate({ model: 'mistral', input: chatInput('Hi') })), 'model_not_found', /ollama pull mistral/);
});

test('a 404 that is not about a model is rejected, not model_not_found', async () => {
  const wrongPath = new OllamaBackend({ baseUrl: `${fake.url}/nowhere` });
  await rejectsWith(collect(wrongPath.generate({ model: 'llama3.2', input: chatInput('Hi') })), 'rejected');
});

test('500 is unavailable (retryable), 400 is rejected', async () => {
  script = 'status500';
  const error = await rejectsWith(collect(backend.generate({ model: 'llama3.2', input: chatInput('Hi') })), 'unavailable', /terminated/);
  assert.equal(error.retryable, true);
  script = 'status400';
  await rejectsWith(collect(backend.generate({ model: 'llama3.2', input: chatInput('Hi') })), 'rejected', /invalid options/);
});

test('an error line inside the stream is unavailable, after the pieces already produced', async () => {
  script = 'stream-error';
  const seen: string[] = [];
  const run = async () => {
    for await (const event of backend.generate({ model: 'llama3.2', input: chatInput('Hi') })) if (event.type === 'text') seen.push(event.text);
  };
  await rejectsWith(run(), 'unavailable', /CUDA out of memory/);
  assert.deepEqual(seen, ['Hel']);
});

test('a stream that ends before done is unavailable', async () => {
  script = 'truncated';
  await rejectsWith(collect(backend.generate({ model: 'llama3.2', input: chatInput('Hi') })), 'unavailable', /before generation was done/);
});

test('connection refused is unavailable', async () => {
  const nowhere = new OllamaBackend({ baseUrl: await refusedUrl() });
  await rejectsWith(nowhere.listModels(), 'unavailable', /ECONNREFUSED/);
  await rejectsWith(collect(nowhere.generate({ model: 'llama3.2', input: chatInput('Hi') })), 'unavailable');
});

test('abort mid-stream stops promptly with aborted and closes the connection', async () => {
  script = 'hang';
  const controller = new AbortController();
  const events = backend.generate({ model: 'llama3.2', input: chatInput('Hi'), signal: controller.signal })[Symbol.asyncIterator]();
  const first = await events.next();
  assert.deepEqual(first.value, { type: 'text', text: 'Hello' });
  setTimeout(() => controller.abort(new Error('job cancelled')), 20);
  await within(rejectsWith(events.next(), 'aborted'), 1000, 'abort');
  await within(hungUp!, 1000, 'server sees the connection closed');
});

test('an already aborted signal sends nothing', async () => {
  const count = fake.received.length;
  await rejectsWith(collect(backend.generate({ model: 'llama3.2', input: chatInput('Hi'), signal: AbortSignal.abort() })), 'aborted');
  assert.equal(fake.received.length, count);
});

test('a silent server times out as unavailable', async () => {
  script = 'hang';
  const impatient = new OllamaBackend({ baseUrl: fake.url, timeoutMs: 150 });
  await within(rejectsWith(collect(impatient.generate({ model: 'llama3.2', input: chatInput('Hi') })), 'unavailable', /no answer for 150 ms/), 2000, 'timeout');
  await within(hungUp!, 1000, 'server sees the connection closed');
});

test('a consumer that stops early drops the connection', async () => {
  script = 'hang';
  for await (const event of backend.generate({ model: 'llama3.2', input: chatInput('Hi') })) {
    assert.equal(event.type, 'text');
    break;
  }
  await within(hungUp!, 1000, 'server sees the connection closed');
});
