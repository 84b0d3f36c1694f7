// What an OpenAI client sends reaches the miner's model server intact: a coordinator and two real
// `aitbc miner` processes, one with `--backend ollama` against a fake Ollama, one with
// `--backend openai --capabilities …` against a fake OpenAI-compatible server, each fake
// recording every request body. Driven with the `openai` package (and the AI SDK once): the
// system prompt arrives as a system message, the tools and the response format as given, the
// tool-result turn whole, a completion as a raw prompt; a tool call the server makes reaches the
// client as tool_calls; and a request needing a capability the model lacks is refused, naming
// the parameter, without reaching the server.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import OpenAI from 'openai';
import { createOpenAI } from '@ai-sdk/openai';
import { generateText } from 'ai';
import { sendJson, startServer, writeInChunks, type FakeServer } from '../packages/miner/test/backends/fake-server.ts';
import { Market } from './market.ts';

(globalThis as { AI_SDK_LOG_WARNINGS?: boolean }).AI_SDK_LOG_WARNINGS = false;

const SYSTEM = 'You answer in one sentence.';
const TOOL_ANSWER = '{"celsius":21}';
const weatherTool: OpenAI.ChatCompletionFunctionTool = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'Weather now',
    parameters: { type: 'object', properties: { city: { type: 'string' }, unit: { type: 'string', enum: ['celsius', 'fahrenheit'] } }, required: ['city'] },
  },
};
const citySchema = { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false };
const PAINTING = 'data:image/png;base64,iVBORw0KGgo=';

const ndjson = (objects: unknown[]) => objects.map((object) => `${JSON.stringify(object)}\n`).join('');
const sse = (objects: unknown[]) => `${objects.map((object) => `data: ${JSON.stringify(object)}\n\n`).join('')}data: [DONE]\n\n`;

type Body = Record<string, any>;
const lastMessage = (body: Body) => (body['messages'] as { role: string }[]).at(-1)!;

/**
 * A fake Ollama: `tools` can call tools, `plain` only generates (no tools, no vision), `seeing`
 * takes images, `embedder` embeds. A chat offered tools calls get_weather; one with a format answers JSON; else
 * "It is sunny." in pieces.
 */
function fakeOllama(): Promise<FakeServer> {
  const shown: Record<string, string[]> = { tools: ['completion', 'tools'], plain: ['completion'], seeing: ['completion', 'vision'], embedder: ['embedding'] };
  return startServer(async ({ path, body }, res) => {
    const request = body as Body;
    if (path === '/api/tags') return sendJson(res, 200, { models: Object.keys(shown).map((name) => ({ name, model: name })) });
    if (path === '/api/show') return sendJson(res, 200, { capabilities: shown[request['model']] ?? [], model_info: { 'general.architecture': 'qwen2', 'qwen2.context_length': 8192 } });
    if (path === '/api/embed') return sendJson(res, 200, { model: request['model'], embeddings: (request['input'] as string[]).map((_, i) => [i, 0.5, -0.25]), prompt_eval_count: 6 });
    res.writeHead(200, { 'content-type': 'application/x-ndjson' });
    const done = { done: true, prompt_eval_count: 20, eval_count: 4 };
    if (path === '/api/generate') await writeInChunks(res, ndjson([{ response: ' upon' }, { response: ' a time' }, { response: '', ...done }]));
    else if (request['tools'] && lastMessage(request).role !== 'tool') {
      // Ollama sends whole tool calls, arguments as an object.
      const call = { function: { name: 'get_weather', arguments: { city: 'Paris', unit: 'celsius' } } };
      await writeInChunks(res, ndjson([{ message: { role: 'assistant', content: '', tool_calls: [call] }, done: false }, { message: { role: 'assistant', content: '' }, ...done }]));
    } else {
      const pieces = request['format'] ? ['{"city":', '"Paris"}'] : ['It is', ' sunny.'];
      await writeInChunks(res, ndjson([...pieces.map((content) => ({ message: { role: 'assistant', content }, done: false })), { message: { role: 'assistant', content: '' }, ...done }]));
    }
    res.end();
  });
}

/** A fake OpenAI-compatible server with one model, `served`: tool calls streamed in fragments, as vLLM does. */
function fakeOpenAi(): Promise<FakeServer> {
  return startServer(async ({ path, body }, res) => {
    const request = body as Body;
    if (path === '/v1/models') return sendJson(res, 200, { object: 'list', data: [{ id: 'served', object: 'model', owned_by: 'me' }] });
    if (path === '/v1/embeddings') return sendJson(res, 200, { object: 'list', data: (request['input'] as string[]).map((_, index) => ({ object: 'embedding', index, embedding: [index, 1, 0] })), usage: { prompt_tokens: 6, total_tokens: 6 } });
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    const usage = { choices: [], usage: { prompt_tokens: 20, completion_tokens: 4, total_tokens: 24 } };
    if (path === '/v1/completions') {
      await streamSse(res, [{ choices: [{ index: 0, text: ' upon' }] }, { choices: [{ index: 0, text: ' a time', finish_reason: 'stop' }] }, usage]);
    } else if (request['tools'] && lastMessage(request).role !== 'tool') {
      const fragment = (fn: Record<string, string>, extra = {}) => ({ choices: [{ index: 0, delta: { tool_calls: [{ index: 0, ...extra, function: fn }] } }] });
      await streamSse(res, [
        { choices: [{ index: 0, delta: { role: 'assistant' } }] },
        fragment({ name: 'get_weather', arguments: '' }, { id: 'call_x', type: 'function' }),
        fragment({ arguments: '{"city": "Pa' }),
        fragment({ arguments: 'ris"}' }),
        { choices: [{ index: 0, delta: {}, finish_reason: 'tool_calls' }] },
        usage,
      ]);
    } else {
      const pieces = request['response_format'] ? ['{"city":', '"Paris"}'] : ['It is', ' sunny.'];
      await streamSse(res, [...pieces.map((content) => ({ choices: [{ index: 0, delta: { content } }] })), { choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] }, usage]);
    }
    res.end();
  });
}

const streamSse = (res: ServerResponse, chunks: unknown[]) => writeInChunks(res, sse(chunks));

let market: Market;
let ollama: FakeServer;
let compatible: FakeServer;
let openai: OpenAI;
let baseURL: string;
let apiKey: string;

// Stopped when the file ends (node:test's `after` inside a hook would stop it after the first suite).
before(async () => {
  [ollama, compatible, market] = await Promise.all([fakeOllama(), fakeOpenAi(), Market.start({ after: () => undefined })]);
  // Later flags win: each replaces the demo backend Market.startMiner names.
  await market.startMiner('ollama-miner', ['--backend', 'ollama', '--backend-url', ollama.url]);
  await market.startMiner('openai-miner', ['--backend', 'openai', '--backend-url', `${compatible.url}/v1`, '--capabilities', 'completion,chat,tools,json_mode,embeddings']);
  ({ key: apiKey } = await market.unfundedClient('backends'));
  await market.operator.admin.credit('backends', '100');
  baseURL = `${market.url}/v1`;
  openai = new OpenAI({ baseURL, apiKey, maxRetries: 0 });
});
after(() => Promise.all([market.stop(), ollama.close(), compatible.close()]));

/** The bodies `fake` received at `path` while `call` ran. */
async function reaching<T>(fake: FakeServer, path: string, call: () => Promise<T>): Promise<{ result: T; bodies: Body[] }> {
  const from = fake.received.length;
  const result = await call();
  return { result, bodies: fake.received.slice(from).filter((request) => request.path === path).map((request) => request.body as Body) };
}

/** `call` is refused with 422 naming `param`, and no generation request reaches `fake` (listing its models may). */
async function refusedBefore(fake: FakeServer, param: string, call: () => Promise<unknown>): Promise<void> {
  const from = fake.received.length;
  await assert.rejects(call(), (error: unknown) => {
    assert.ok(error instanceof OpenAI.APIError, String(error));
    assert.deepEqual([error.status, error.param], [422, param], error.message);
    return true;
  });
  assert.deepEqual(fake.received.slice(from).filter((request) => !/\/(tags|show|models)$/.test(request.path)), []);
}

describe('ollama backend', () => {
  test('a chat with a system prompt and tools: /api/chat gets both as sent; the tool call reaches the client as tool_calls', async () => {
    const { result, bodies } = await reaching(ollama, '/api/chat', () =>
      openai.chat.completions.create({ model: 'tools', messages: [{ role: 'system', content: SYSTEM }, { role: 'user', content: 'Weather in Paris?' }], tools: [weatherTool], tool_choice: 'auto', max_tokens: 40, seed: 7 }),
    );
    assert.equal(bodies.length, 1);
    assert.deepEqual(bodies[0]!['messages'], [{ role: 'system', content: SYSTEM }, { role: 'user', content: 'Weather in Paris?' }]);
    assert.deepEqual(bodies[0]!['tools'], [weatherTool]);
    assert.deepEqual(bodies[0]!['options'], { num_predict: 40, seed: 7 });
    const choice = result.choices[0]!;
    assert.equal(choice.finish_reason, 'tool_calls');
    const call = choice.message.tool_calls![0]!;
    assert.ok(call.type === 'function');
    assert.deepEqual([call.function.name, JSON.parse(call.function.arguments)], ['get_weather', { city: 'Paris', unit: 'celsius' }]);
  });

  test('the tool-result turn: the call and its result arrive as Ollama messages; the answer is the text', async () => {
    const call = { id: 'call_1', type: 'function' as const, function: { name: 'get_weather', arguments: '{"city":"Paris"}' } };
    const { result, bodies } = await reaching(ollama, '/api/chat', () =>
      openai.chat.completions.create({
        model: 'tools',
        messages: [{ role: 'system', content: SYSTEM }, { role: 'user', content: 'Weather in Paris?' }, { role: 'assistant', content: null, tool_calls: [call] }, { role: 'tool', tool_call_id: 'call_1', content: TOOL_ANSWER }],
        tools: [weatherTool],
      }),
    );
    assert.deepEqual((bodies[0]!['messages'] as unknown[]).slice(2), [
      { role: 'assistant', content: '', tool_calls: [{ function: { name: 'get_weather', arguments: { city: 'Paris' } } }] },
      { role: 'tool', content: TOOL_ANSWER, tool_name: 'get_weather' },
    ]);
    assert.equal(result.choices[0]!.message.content, 'It is sunny.');
  });

  test('response_format: a json_schema becomes Ollama `format` (the schema itself), json_object `format: "json"`', async () => {
    const { result, bodies } = await reaching(ollama, '/api/chat', () =>
      openai.chat.completions.create({ model: 'tools', messages: [{ role: 'user', content: 'Which city?' }], response_format: { type: 'json_schema', json_schema: { name: 'place', schema: citySchema, strict: true } } }),
    );
    assert.deepEqual(bodies[0]!['format'], citySchema);
    assert.deepEqual(JSON.parse(result.choices[0]!.message.content!), { city: 'Paris' });
    const { bodies: jsonMode } = await reaching(ollama, '/api/chat', () => openai.chat.completions.create({ model: 'plain', messages: [{ role: 'user', content: 'Which city?' }], response_format: { type: 'json_object' } }));
    assert.equal(jsonMode[0]!['format'], 'json');
  });

  test('streamed: the pieces reach the client; a completion is a raw prompt to /api/generate; embeddings go to /api/embed', async () => {
    let text = '';
    for await (const chunk of await openai.chat.completions.create({ model: 'plain', messages: [{ role: 'user', content: 'Weather?' }], stream: true })) text += chunk.choices[0]?.delta?.content ?? '';
    assert.equal(text, 'It is sunny.');
    const { result, bodies } = await reaching(ollama, '/api/generate', () => openai.completions.create({ model: 'plain', prompt: 'Once', max_tokens: 5 }));
    assert.equal(result.choices[0]!.text, ' upon a time');
    assert.deepEqual([bodies[0]!['prompt'], bodies[0]!['raw'], bodies[0]!['messages']], ['Once', true, undefined]);
    const { result: vectors, bodies: embedded } = await reaching(ollama, '/api/embed', () => openai.embeddings.create({ model: 'embedder', input: ['a', 'b'], encoding_format: 'float' }));
    assert.deepEqual(embedded[0]!['input'], ['a', 'b']);
    assert.deepEqual(vectors.data.map((item) => item.embedding), [[0, 0.5, -0.25], [1, 0.5, -0.25]]);
  });

  test('the AI SDK: the system prompt arrives as a system message', async () => {
    const { result, bodies } = await reaching(ollama, '/api/chat', () => generateText({ model: createOpenAI({ baseURL, apiKey }).chat('plain'), system: SYSTEM, prompt: 'Weather?', maxRetries: 0 }));
    assert.equal(result.text, 'It is sunny.');
    assert.deepEqual(bodies[0]!['messages'], [{ role: 'system', content: SYSTEM }, { role: 'user', content: 'Weather?' }]);
  });

  test('an image_url part (a data: URL) reaches a vision model as base64 beside the text', async () => {
    const { result, bodies } = await reaching(ollama, '/api/chat', () =>
      openai.chat.completions.create({ model: 'seeing', messages: [{ role: 'user', content: [{ type: 'text', text: 'What is this?' }, { type: 'image_url', image_url: { url: PAINTING } }] }] }),
    );
    assert.deepEqual(bodies[0]!['messages'], [{ role: 'user', content: 'What is this?', images: [PAINTING.slice('data:image/png;base64,'.length)] }]);
    assert.equal(result.choices[0]!.message.content, 'It is sunny.');
  });

  test('what the model cannot do is refused, naming the parameter, and never reaches Ollama', async () => {
    await refusedBefore(ollama, 'tools', () => openai.chat.completions.create({ model: 'plain', messages: [{ role: 'user', content: 'Weather?' }], tools: [weatherTool] }));
    await refusedBefore(ollama, 'messages', () => openai.chat.completions.create({ model: 'tools', messages: [{ role: 'user', content: [{ type: 'text', text: 'What is this?' }, { type: 'image_url', image_url: { url: PAINTING } }] }] }));
    await refusedBefore(ollama, 'model', () => openai.embeddings.create({ model: 'plain', input: 'a' }));
  });
});

describe('openai backend', () => {
  test('a chat with a system prompt and tools: the server gets the messages, tools and tool_choice as sent; its streamed tool call reaches the client whole', async () => {
    const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: 'system', content: SYSTEM }, { role: 'user', content: 'Weather in Paris?' }];
    const { result, bodies } = await reaching(compatible, '/v1/chat/completions', () => openai.chat.completions.create({ model: 'served', messages, tools: [weatherTool], tool_choice: 'required', max_tokens: 40 }));
    assert.equal(bodies.length, 1);
    assert.deepEqual(bodies[0]!['messages'], messages);
    assert.deepEqual(bodies[0]!['tools'], [weatherTool]);
    assert.equal(bodies[0]!['tool_choice'], 'required');
    assert.equal(bodies[0]!['max_tokens'], 40);
    const choice = result.choices[0]!;
    assert.equal(choice.finish_reason, 'tool_calls');
    const call = choice.message.tool_calls![0]!;
    assert.ok(call.type === 'function');
    assert.deepEqual([call.function.name, JSON.parse(call.function.arguments)], ['get_weather', { city: 'Paris' }]);
  });

  test('the tool-result turn and response_format json_object arrive as sent; streamed, the call comes as tool_calls deltas', async () => {
    const call = { id: 'call_1', type: 'function' as const, function: { name: 'get_weather', arguments: '{"city":"Paris"}' } };
    const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: 'user', content: 'Weather in Paris?' }, { role: 'assistant', content: null, tool_calls: [call] }, { role: 'tool', tool_call_id: 'call_1', content: TOOL_ANSWER }];
    const { result, bodies } = await reaching(compatible, '/v1/chat/completions', () => openai.chat.completions.create({ model: 'served', messages, tools: [weatherTool], response_format: { type: 'json_object' } }));
    assert.deepEqual(bodies[0]!['messages'], messages);
    assert.deepEqual(bodies[0]!['response_format'], { type: 'json_object' });
    assert.deepEqual(JSON.parse(result.choices[0]!.message.content!), { city: 'Paris' });
    let name = '';
    let args = '';
    for await (const chunk of await openai.chat.completions.create({ model: 'served', messages: [{ role: 'user', content: 'Weather in Rome?' }], tools: [weatherTool], stream: true })) {
      for (const delta of chunk.choices[0]?.delta?.tool_calls ?? []) {
        name += delta.function?.name ?? '';
        args += delta.function?.arguments ?? '';
      }
    }
    assert.deepEqual([name, JSON.parse(args)], ['get_weather', { city: 'Paris' }]);
  });

  test('a completion is the raw prompt; embeddings are the inputs', async () => {
    const { result, bodies } = await reaching(compatible, '/v1/completions', () => openai.completions.create({ model: 'served', prompt: 'Once', max_tokens: 5 }));
    assert.equal(result.choices[0]!.text, ' upon a time');
    assert.deepEqual([bodies[0]!['prompt'], bodies[0]!['messages']], ['Once', undefined]);
    const { result: vectors, bodies: embedded } = await reaching(compatible, '/v1/embeddings', () => openai.embeddings.create({ model: 'served', input: ['a', 'b'], encoding_format: 'float' }));
    assert.deepEqual(embedded[0]!['input'], ['a', 'b']);
    assert.deepEqual(vectors.data.map((item) => item.embedding), [[0, 1, 0], [1, 1, 0]]);
  });

  test('what --capabilities did not name is refused, naming the parameter, and never reaches the server', async () => {
    await refusedBefore(compatible, 'response_format', () => openai.chat.completions.create({ model: 'served', messages: [{ role: 'user', content: 'Which city?' }], response_format: { type: 'json_schema', json_schema: { name: 'place', schema: citySchema } } }));
    await refusedBefore(compatible, 'messages', () => openai.chat.completions.create({ model: 'served', messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: PAINTING } }] }] }));
  });
});
