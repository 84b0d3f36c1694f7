// The miner as a GPU owner runs it: the daemon with the real Ollama and OpenAI-compatible
// backends (against local fakes of those HTTP APIs) serving a real coordinator; the doctor's
// plain-word findings; GPU facts from nvidia-smi output.

import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPair } from '@aitbc/protocol';
import { AitbcClient } from '@aitbc/sdk';
import { OllamaBackend } from '../src/backends/ollama.ts';
import { OpenAiBackend } from '../src/backends/openai.ts';
import type { Backend } from '../src/backends/backend.ts';
import { MinerDaemon } from '../src/daemon.ts';
import { runDoctor } from '../src/doctor.ts';
import { parseNvidiaSmi } from '../src/gpu.ts';
import { startTestCoordinator } from '@aitbc/testkit/coordinator';
import { refusedUrl, sendJson, startServer, writeInChunks, type FakeServer } from './backends/fake-server.ts';

const fakes: FakeServer[] = [];
after(async () => {
  for (const fake of fakes) await fake.close();
});

async function fakeOllama(): Promise<FakeServer> {
  const fake = await startServer(async (request, res) => {
    if (request.path === '/api/tags') return sendJson(res, 200, { models: [{ name: 'llama3.2:latest', model: 'llama3.2:latest' }] });
    const body = request.body as { model: string };
    if (body.model !== 'llama3.2' && body.model !== 'llama3.2:latest') return sendJson(res, 404, { error: `model "${body.model}" not found, try pulling it first` });
    if (request.path === '/api/show') return sendJson(res, 200, { capabilities: ['completion', 'tools'], model_info: { 'general.architecture': 'llama', 'llama.context_length': 131072 } });
    res.writeHead(200, { 'content-type': 'application/x-ndjson' });
    // A completion (/api/generate) streams `response`; a chat (/api/chat) streams `message`.
    const piece = (content: string) => (request.path === '/api/generate' ? { response: content } : { message: { role: 'assistant', content } });
    const lines = ['Zero', ' knowledge', ' proofs.'].map((content) => JSON.stringify({ model: body.model, ...piece(content), done: false }));
    lines.push(JSON.stringify({ model: body.model, ...piece(''), done: true, prompt_eval_count: 11, eval_count: 3 }));
    await writeInChunks(res, lines.join('\n') + '\n');
    res.end();
  });
  fakes.push(fake);
  return fake;
}

async function fakeOpenAi(): Promise<FakeServer> {
  const fake = await startServer(async (request, res) => {
    if (request.path === '/v1/models') return sendJson(res, 200, { object: 'list', data: [{ id: 'qwen2.5', object: 'model' }] });
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    // A completion (/v1/completions) streams `text`; a chat (/v1/chat/completions) streams deltas.
    const choice = (content: string) => (request.path === '/v1/completions' ? { index: 0, text: content } : { index: 0, delta: { content } });
    const events = ['Hello', ' there'].map((content) => `data: ${JSON.stringify({ choices: [choice(content)] })}\n\n`);
    events.push(`data: ${JSON.stringify({ choices: [{ index: 0, delta: {}, finish_reason: 'stop' }], usage: { prompt_tokens: 9, completion_tokens: 2 } })}\n\n`, 'data: [DONE]\n\n');
    await writeInChunks(res, events.join(''));
    res.end();
  });
  fakes.push(fake);
  return fake;
}

async function serveOneJob(backend: Backend, model: string, params: Record<string, unknown>) {
  const coordinator = await startTestCoordinator();
  const daemon = new MinerDaemon({
    coordinatorUrl: coordinator.url,
    apiKey: await coordinator.createKey(['miner']),
    minerId: `${backend.name}-miner`,
    keys: generateKeyPair(),
    backend,
    pricePerToken: '0.002',
    maxConcurrency: 1,
    pollWaitSeconds: 1,
    log: () => undefined,
  });
  try {
    await daemon.start();
    const client = new AitbcClient({ baseUrl: coordinator.url, apiKey: await coordinator.createClient('alice', '10'), sleep: (ms) => new Promise((resolve) => setTimeout(resolve, Math.min(ms, 50))) });
    const models = await client.models();
    assert.ok(models.data.some((entry) => entry.id === model), `the miner offers ${model}`);
    const result = await client.jobs.run({ model, prompt: 'Explain ZK proofs.', max_price: '1', params });
    assert.equal((await client.receipts.verify(result.receipt)).valid, true);
    await coordinator.assertLedger();
    return result;
  } finally {
    await daemon.stop();
    await coordinator.close();
  }
}

test('Ollama: the streamed answer, its token counts and the parameters go through', async () => {
  const ollama = await fakeOllama();
  const result = await serveOneJob(new OllamaBackend({ baseUrl: ollama.url }), 'llama3.2', { max_tokens: 50, temperature: 0.3 });
  assert.equal(result.output, 'Zero knowledge proofs.');
  assert.deepEqual(result.usage, { prompt_tokens: 11, completion_tokens: 3 });
  assert.equal(result.price, '0.028');
  // A job submitted as a prompt is a completion: continued as written, no chat template.
  const generate = ollama.received.find((request) => request.path === '/api/generate')!.body as { prompt: string; raw: boolean; options: Record<string, unknown>; stream: boolean };
  assert.deepEqual([generate.prompt, generate.raw, generate.stream], ['Explain ZK proofs.', true, true]);
  const { seed, ...options } = generate.options;
  assert.deepEqual(options, { num_predict: 50, temperature: 0.3 });
  assert.ok(Number.isInteger(seed), 'the seed the coordinator gives every job reaches Ollama');
});

test('OpenAI-compatible: the SSE answer and its usage go through', async () => {
  const openai = await fakeOpenAi();
  const result = await serveOneJob(new OpenAiBackend({ baseUrl: `${openai.url}/v1` }), 'qwen2.5', { max_tokens: 20 });
  assert.equal(result.output, 'Hello there');
  assert.deepEqual(result.usage, { prompt_tokens: 9, completion_tokens: 2 });
  const completion = openai.received.find((request) => request.path === '/v1/completions')!.body as { prompt: string; max_tokens: number };
  assert.deepEqual([completion.prompt, completion.max_tokens], ['Explain ZK proofs.', 20]);
});

test('doctor says what is wrong in plain words', async () => {
  const ollama = await fakeOllama();
  const coordinator = await startTestCoordinator();
  try {
    const key = await coordinator.createKey(['miner']);
    const good = await runDoctor({ coordinatorUrl: coordinator.url, apiKey: key, backend: new OllamaBackend({ baseUrl: ollama.url }), models: ['llama3.2'], gpu: async () => ({ name: 'RTX 4090', memory_gb: 24 }) });
    assert.deepEqual(good.filter((check) => !check.ok), []);
    const bad = await runDoctor({
      coordinatorUrl: await refusedUrl(),
      apiKey: undefined,
      backend: new OllamaBackend({ baseUrl: ollama.url }),
      models: ['mistral'],
      gpu: async () => null,
    });
    const byName = Object.fromEntries(bad.map((check) => [check.name, check]));
    assert.match(byName.coordinator!.detail, /does not answer .*start it \(npx aitbc devnet\) or pass --coordinator-url/);
    assert.match(byName.key!.detail, /no API key: pass --api-key/);
    assert.equal(byName['model mistral']!.ok, false);
    assert.match(byName['model mistral']!.detail, /ollama pull mistral/);
    assert.match(byName.gpu!.detail, /no NVIDIA GPU found/);
    const noOllama = await runDoctor({ coordinatorUrl: coordinator.url, apiKey: key, backend: new OllamaBackend({ baseUrl: await refusedUrl() }), models: undefined, gpu: async () => null });
    assert.match(noOllama.find((check) => check.name === 'backend')!.detail, /does not answer .*start it, or pass --backend-url/);
  } finally {
    await coordinator.close();
  }
});

test('GPU facts from nvidia-smi', () => {
  assert.deepEqual(parseNvidiaSmi('NVIDIA GeForce RTX 4090, 24564\n'), { name: 'NVIDIA GeForce RTX 4090', memory_gb: 24 });
  assert.deepEqual(parseNvidiaSmi('NVIDIA A100-SXM4-80GB, 81920\nNVIDIA A100-SXM4-80GB, 81920\n'), { name: 'NVIDIA A100-SXM4-80GB', memory_gb: 80 });
  assert.equal(parseNvidiaSmi('NVIDIA-SMI has failed because it could not communicate with the NVIDIA driver.'), null);
});
