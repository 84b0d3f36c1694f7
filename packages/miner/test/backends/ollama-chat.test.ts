// OllamaBackend's job kinds against a fake Ollama that records what reaches it: a chat goes to
// /api/chat whole (system prompt, tool calls and results, images, tools, format) and its tool
// calls come back in OpenAI's shape; a completion goes to /api/generate raw; /api/show gives
// capabilities; /api/embed gives vectors.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import type { ChatMessage, ToolDefinition } from '@aitbc/protocol';
import { OllamaBackend } from '../../src/backends/ollama.ts';
import { chatInput, collect, rejectsWith, sendJson, startServer, textInput, writeInChunks } from './fake-server.ts';

const lines = (objects: unknown[]): string => objects.map((object) => `${JSON.stringify(object)}\n`).join('');
const WEATHER_CALL = { function: { name: 'get_weather', arguments: { city: 'Paris', unit: 'celsius' } } };

const fake = await startServer(async ({ path, body }, res) => {
  const request = body as Record<string, unknown>;
  if (path === '/api/show') {
    if (request['model'] === 'llava') return sendJson(res, 200, { capabilities: ['completion', 'vision'], model_info: { 'general.architecture': 'llava', 'llava.context_length': 4096 } });
    if (request['model'] === 'nomic-embed-text') return sendJson(res, 200, { capabilities: ['embedding'], model_info: { 'general.architecture': 'nomic-bert', 'nomic-bert.context_length': 2048 } });
    if (request['model'] === 'old') return sendJson(res, 200, { modelfile: '', details: {} });
    return sendJson(res, 200, { capabilities: ['completion', 'tools', 'insert'], model_info: { 'general.architecture': 'qwen2', 'qwen2.context_length': 32768 } });
  }
  if (path === '/api/embed') {
    const input = request['input'] as string[];
    return sendJson(res, 200, { model: request['model'], embeddings: input.map((_, i) => [i, 0.5, -0.25]), prompt_eval_count: 7 });
  }
  res.writeHead(200, { 'content-type': 'application/x-ndjson' });
  if (path === '/api/generate') {
    await writeInChunks(res, lines([{ response: ' once' }, { response: ' upon' }, { response: '', done: true, prompt_eval_count: 4, eval_count: 2 }]));
    return void res.end();
  }
  const tools = request['tools'] as unknown[] | undefined;
  const messages = request['messages'] as { role: string }[];
  if (tools && messages.at(-1)!.role !== 'tool') {
    // Ollama sends whole tool calls, arguments as an object, in a chunk before done.
    await writeInChunks(res, lines([{ message: { role: 'assistant', content: '', tool_calls: [WEATHER_CALL] }, done: false }, { message: { role: 'assistant', content: '' }, done: true, prompt_eval_count: 30, eval_count: 9 }]));
  } else {
    await writeInChunks(res, lines([{ message: { role: 'assistant', content: 'It is' }, done: false }, { message: { role: 'assistant', content: ' sunny.' }, done: false }, { message: { role: 'assistant', content: '' }, done: true, prompt_eval_count: 40, eval_count: 3 }]));
  }
  res.end();
});
after(() => fake.close());

const backend = new OllamaBackend({ baseUrl: fake.url });
const last = () => fake.received.at(-1)!;

const TOOLS: ToolDefinition[] = [
  { type: 'function', function: { name: 'get_weather', description: 'Weather now', parameters: { type: 'object', properties: { city: { type: 'string' }, unit: { type: 'string', enum: ['celsius', 'fahrenheit'] } }, required: ['city'] } } },
  { type: 'function', function: { name: 'get_time', parameters: { type: 'object', properties: {} } } },
];

test('a chat goes to /api/chat with its system prompt, messages, tools and options, and tool calls come back as ToolCalls', async () => {
  const result = await collect(
    backend.generate({
      model: 'qwen2.5',
      input: chatInput('', { messages: [{ role: 'system', content: 'You are terse.' }, { role: 'developer', content: 'Use tools.' }, { role: 'user', content: 'Weather in Paris?' }], tools: TOOLS, tool_choice: 'auto' }),
      maxTokens: 50,
      seed: 3,
    }),
  );
  assert.equal(last().path, '/api/chat');
  assert.deepEqual(last().body, {
    model: 'qwen2.5',
    messages: [
      { role: 'system', content: 'You are terse.' },
      { role: 'system', content: 'Use tools.' },
      { role: 'user', content: 'Weather in Paris?' },
    ],
    tools: TOOLS,
    stream: true,
    options: { num_predict: 50, seed: 3 },
  });
  assert.equal(result.text, '');
  assert.equal(result.toolCalls!.length, 1);
  const [call] = result.toolCalls!;
  assert.equal(call!.type, 'function');
  assert.equal(call!.function.name, 'get_weather');
  assert.deepEqual(JSON.parse(call!.function.arguments), { city: 'Paris', unit: 'celsius' });
  assert.match(call!.id, /^call_[0-9a-f]{24}$/);
  assert.deepEqual(result.usage, { promptTokens: 30, completionTokens: 9 });
  // The same call has the same id, so a re-execution hashes the same.
  const again = await collect(backend.generate({ model: 'qwen2.5', input: chatInput('Weather in Paris?', { tools: TOOLS }) }));
  assert.equal(again.toolCalls![0]!.id, call!.id);
});

test('earlier tool calls go as objects and tool results name their tool; the answer streams as text', async () => {
  const messages: ChatMessage[] = [
    { role: 'user', content: 'Weather in Paris?' },
    { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
    { role: 'tool', tool_call_id: 'call_1', content: '21°C and sunny' },
  ];
  const result = await collect(backend.generate({ model: 'qwen2.5', input: chatInput('', { messages, tools: TOOLS }) }));
  assert.deepEqual((last().body as { messages: unknown }).messages, [
    { role: 'user', content: 'Weather in Paris?' },
    { role: 'assistant', content: '', tool_calls: [{ function: { name: 'get_weather', arguments: { city: 'Paris' } } }] },
    { role: 'tool', content: '21°C and sunny', tool_name: 'get_weather' },
  ]);
  assert.equal(result.text, 'It is sunny.');
  assert.equal(result.toolCalls, undefined);
});

test("tool_choice: 'none' sends no tools, a named function only that one", async () => {
  await collect(backend.generate({ model: 'qwen2.5', input: chatInput('Hi', { tools: TOOLS, tool_choice: 'none' }) }));
  assert.equal('tools' in (last().body as object), false);
  await collect(backend.generate({ model: 'qwen2.5', input: chatInput('Hi', { tools: TOOLS, tool_choice: { type: 'function', function: { name: 'get_time' } } }) }));
  assert.deepEqual((last().body as { tools: unknown }).tools, [TOOLS[1]]);
});

test("response formats become Ollama's format: 'json', or the schema itself", async () => {
  await collect(backend.generate({ model: 'qwen2.5', input: chatInput('A JSON please', { response_format: { type: 'json_object' } }) }));
  assert.equal((last().body as { format: unknown }).format, 'json');
  const schema = { type: 'object', properties: { answer: { type: 'string' } }, required: ['answer'], additionalProperties: false };
  await collect(backend.generate({ model: 'qwen2.5', input: chatInput('A JSON please', { response_format: { type: 'json_schema', json_schema: { name: 'answer', schema, strict: true } } }) }));
  assert.deepEqual((last().body as { format: unknown }).format, schema);
});

test('inline images go as base64 beside the text; an image URL is refused before anything is sent', async () => {
  const png = Buffer.from('not really a png').toString('base64');
  const content = [
    { type: 'text' as const, text: 'What is this? ' },
    { type: 'image_url' as const, image_url: { url: `data:image/png;base64,${png}` } },
    { type: 'text' as const, text: 'Be brief.' },
  ];
  await collect(backend.generate({ model: 'llava', input: chatInput('', { messages: [{ role: 'user', content }] }) }));
  assert.deepEqual((last().body as { messages: unknown }).messages, [{ role: 'user', content: 'What is this? Be brief.', images: [png] }]);
  const count = fake.received.length;
  const remote = [{ type: 'image_url' as const, image_url: { url: 'https://example.com/cat.png' } }];
  await rejectsWith(collect(backend.generate({ model: 'llava', input: chatInput('', { messages: [{ role: 'user', content: remote }] }) })), 'rejected', /only inline, as data: URLs/);
  assert.equal(fake.received.length, count);
});

test('a completion goes to /api/generate, raw, and streams `response`', async () => {
  const result = await collect(backend.generate({ model: 'qwen2.5', input: textInput('Once'), temperature: 0 }));
  assert.equal(last().path, '/api/generate');
  assert.deepEqual(last().body, { model: 'qwen2.5', prompt: 'Once', raw: true, stream: true, options: { temperature: 0 } });
  assert.equal(result.text, ' once upon');
  assert.deepEqual(result.usage, { promptTokens: 4, completionTokens: 2 });
});

test('capabilities per model from /api/show, with the context length of its architecture', async () => {
  assert.deepEqual(await backend.capabilities(['qwen2.5', 'llava', 'nomic-embed-text', 'old']), {
    'qwen2.5': { capabilities: ['completion', 'chat', 'tools', 'json_mode', 'json_schema'], context_length: 32768 },
    llava: { capabilities: ['completion', 'chat', 'json_mode', 'json_schema', 'vision'], context_length: 4096 },
    'nomic-embed-text': { capabilities: ['embeddings'], context_length: 2048 },
    old: { capabilities: ['completion', 'chat'] },
  });
  assert.deepEqual(last().body, { model: 'old' });
});

test('embeddings from /api/embed, with the input tokens as prompt tokens', async () => {
  const result = await backend.embed({ model: 'nomic-embed-text', input: ['a', 'b'], dimensions: 3 });
  assert.equal(last().path, '/api/embed');
  assert.deepEqual(last().body, { model: 'nomic-embed-text', input: ['a', 'b'], dimensions: 3 });
  assert.deepEqual(result, { embeddings: [[0, 0.5, -0.25], [1, 0.5, -0.25]], usage: { promptTokens: 7, completionTokens: 0 } });
});
