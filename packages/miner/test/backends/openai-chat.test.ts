// OpenAiBackend's job kinds against a fake OpenAI-compatible server that records what reaches
// it: a chat goes to /chat/completions as the client wrote it and streamed tool-call fragments
// come back as whole calls; a completion goes to /completions; /embeddings gives vectors; and
// what the models can do is what the operator said.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import type { ChatInput } from '@aitbc/protocol';
import { OpenAiBackend } from '../../src/backends/openai.ts';
import { chatInput, collect, sendJson, startServer, textInput, writeInChunks } from './fake-server.ts';

const sse = (objects: unknown[]) => objects.map((object) => `data: ${JSON.stringify(object)}\n\n`).join('') + 'data: [DONE]\n\n';
const choice = (delta: unknown, finish: string | null = null) => ({ choices: [{ index: 0, delta, finish_reason: finish }] });

const fake = await startServer(async ({ path, body }, res) => {
  const request = body as Record<string, unknown>;
  if (path === '/v1/models') return sendJson(res, 200, { data: [{ id: 'qwen' }, { id: 'bge' }] });
  if (path === '/v1/embeddings') {
    // Out of order on purpose: each vector names its input.
    return sendJson(res, 200, { data: [{ index: 1, embedding: [0, 1] }, { index: 0, embedding: [1, 0] }], usage: { prompt_tokens: 5, total_tokens: 5 } });
  }
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  if (path === '/v1/completions') {
    await writeInChunks(res, sse([{ choices: [{ index: 0, text: ' upon' }] }, { choices: [{ index: 0, text: ' a time', finish_reason: 'stop' }] }, { choices: [], usage: { prompt_tokens: 1, completion_tokens: 3 } }]));
    return void res.end();
  }
  if (request['tools']) {
    // As vLLM streams them: id and name first, the arguments in fragments, two calls by index.
    await writeInChunks(
      res,
      sse([
        choice({ role: 'assistant', tool_calls: [{ index: 0, id: 'chatcmpl-tool-a', type: 'function', function: { name: 'get_weather', arguments: '' } }] }),
        choice({ tool_calls: [{ index: 0, function: { arguments: '{"city": ' } }] }),
        choice({ tool_calls: [{ index: 0, function: { arguments: '"Paris"}' } }] }),
        choice({ tool_calls: [{ index: 1, id: 'chatcmpl-tool-b', type: 'function', function: { name: 'get_time', arguments: '{}' } }] }),
        choice({}, 'tool_calls'),
        { choices: [], usage: { prompt_tokens: 20, completion_tokens: 12 } },
      ]),
    );
    return void res.end();
  }
  await writeInChunks(res, sse([choice({ content: '{"answer":' }), choice({ content: ' "yes"}' }, 'stop')]));
  res.end();
});
after(() => fake.close());

const backend = new OpenAiBackend({ baseUrl: `${fake.url}/v1`, capabilities: ['completion', 'chat', 'tools', 'json_schema'], contextLength: 32768 });
const last = () => fake.received.at(-1)!;

const CHAT: ChatInput = {
  messages: [
    { role: 'system', content: 'You are terse.' },
    { role: 'user', content: [{ type: 'text', text: 'Weather?' }, { type: 'image_url', image_url: { url: 'https://example.com/sky.png', detail: 'low' } }] },
    { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Rome"}' } }] },
    { role: 'tool', tool_call_id: 'call_1', content: '25°C' },
    { role: 'user', content: 'And Paris?' },
  ],
  tools: [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] }, strict: true } }],
  tool_choice: 'required',
};

test('a chat goes to /chat/completions as written, and streamed tool-call fragments come back as whole calls', async () => {
  const result = await collect(backend.generate({ model: 'qwen', input: { kind: 'chat', input: CHAT }, maxTokens: 64, seed: 9 }));
  assert.equal(last().path, '/v1/chat/completions');
  assert.deepEqual(last().body, { model: 'qwen', ...CHAT, stream: true, stream_options: { include_usage: true }, max_tokens: 64, seed: 9 });
  assert.equal(result.text, '');
  assert.deepEqual(
    result.toolCalls!.map((call) => [call.type, call.function.name, call.function.arguments]),
    [
      ['function', 'get_weather', '{"city": "Paris"}'],
      ['function', 'get_time', '{}'],
    ],
  );
  // Ids made from the calls, not the server's random ones: a re-execution hashes the same.
  assert.ok(result.toolCalls!.every((call) => /^call_[0-9a-f]{24}$/.test(call.id)));
  assert.notEqual(result.toolCalls![0]!.id, result.toolCalls![1]!.id);
  assert.deepEqual(result.usage, { promptTokens: 20, completionTokens: 12 });
});

test('response_format is passed as given and the JSON streams as text', async () => {
  const format = { type: 'json_schema' as const, json_schema: { name: 'a', schema: { type: 'object', properties: { answer: { type: 'string' } } }, strict: true } };
  const result = await collect(backend.generate({ model: 'qwen', input: chatInput('Yes or no?', { response_format: format }) }));
  assert.deepEqual((last().body as { response_format: unknown }).response_format, format);
  assert.deepEqual(JSON.parse(result.text), { answer: 'yes' });
  assert.equal(result.toolCalls, undefined);
});

test('a completion goes to /completions with the prompt and streams `text`', async () => {
  const result = await collect(backend.generate({ model: 'qwen', input: textInput('Once'), maxTokens: 3 }));
  assert.equal(last().path, '/v1/completions');
  assert.deepEqual(last().body, { model: 'qwen', prompt: 'Once', stream: true, stream_options: { include_usage: true }, max_tokens: 3 });
  assert.equal(result.text, ' upon a time');
  assert.deepEqual(result.usage, { promptTokens: 1, completionTokens: 3 });
});

test('embeddings from /embeddings, in input order', async () => {
  const result = await backend.embed({ model: 'bge', input: ['a b', 'c'], dimensions: 2 });
  assert.deepEqual(last().body, { model: 'bge', input: ['a b', 'c'], dimensions: 2, encoding_format: 'float' });
  assert.deepEqual(result, { embeddings: [[1, 0], [0, 1]], usage: { promptTokens: 5, completionTokens: 0 } });
});

test('capabilities are what the operator said, for every model; completion and chat by default', async () => {
  const told = { capabilities: ['completion', 'chat', 'tools', 'json_schema'], context_length: 32768 };
  assert.deepEqual(await backend.capabilities(), { qwen: told, bge: told });
  assert.deepEqual(await new OpenAiBackend({ baseUrl: `${fake.url}/v1` }).capabilities(['qwen']), { qwen: { capabilities: ['completion', 'chat'] } });
});
