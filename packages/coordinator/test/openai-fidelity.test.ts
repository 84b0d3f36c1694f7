// OpenAI requests reach the miner whole: a chat turn keeps its messages (system prompt, tool calls
// and tool results), its tools and its output format; a completion stays a prompt. A request for
// something no online miner's model supports is refused at once naming the parameter; one that some
// miner supports goes only to that miner; tool calls come back whole and as stream deltas.

import { afterEach, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { decodeJobInput, type ToolCall } from '@aitbc/protocol';
import { until } from '@aitbc/testkit';
import { startTestCoordinator, TestMiner, type TestCoordinator } from '@aitbc/testkit/coordinator';

let coordinator: TestCoordinator;
let openai: OpenAI;
let client: string;
/** Plain text generation only (registered without capabilities, as an older miner). */
let plain: TestMiner;
/** Tools and JSON schema output as well. */
let capable: TestMiner;

beforeEach(async () => {
  coordinator = await startTestCoordinator();
  client = await coordinator.createClient('alice', '10');
  openai = new OpenAI({ baseURL: `${coordinator.url}/v1`, apiKey: client, maxRetries: 0 });
  const minerKey = await coordinator.createKey(['miner']);
  plain = new TestMiner(coordinator, minerKey, 'plain', { 'llama3.2': '0.001' });
  capable = new TestMiner(coordinator, minerKey, 'capable', { 'llama3.2': '0.002' });
  assert.equal((await plain.register()).status, 201);
  const registered = await capable.register({ capabilities: { 'llama3.2': { capabilities: ['completion', 'chat', 'tools', 'json_schema'], context_length: 8192 } } });
  assert.equal(registered.status, 201, registered.text);
});

afterEach(async () => {
  await coordinator.assertLedger();
  await coordinator.close();
});

const WEATHER_TOOL = {
  type: 'function' as const,
  function: { name: 'get_weather', description: 'Weather for a city', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } },
};

async function claimBy(miner: TestMiner) {
  return until(async () => {
    const poll = await miner.poll(0);
    return poll.status === 200 ? poll.body : null;
  }, `${miner.minerId} claims a job`);
}

test('a conversation reaches the miner as messages: system prompt, tool call and tool result intact, as kind chat', async () => {
  const messages: OpenAI.ChatCompletionMessageParam[] = [
    { role: 'system', content: 'You answer in French.' },
    { role: 'user', content: [{ type: 'text', text: 'Weather in Paris?' }] },
    { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
    { role: 'tool', tool_call_id: 'call_1', content: '18 °C, sunny' },
  ];
  const answer = openai.chat.completions.create({ model: 'llama3.2', messages, tools: [WEATHER_TOOL], max_tokens: 20 });
  const claim = await claimBy(capable);
  assert.equal(claim.kind, 'chat');
  const decoded = decodeJobInput(claim.kind, claim.prompt);
  assert.equal(decoded.kind, 'chat');
  assert.deepEqual(decoded.input.messages, [
    { role: 'system', content: 'You answer in French.' },
    { role: 'user', content: [{ type: 'text', text: 'Weather in Paris?' }] },
    { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
    { role: 'tool', content: '18 °C, sunny', tool_call_id: 'call_1' },
  ]);
  assert.deepEqual(decoded.input.tools, [WEATHER_TOOL]);
  assert.equal((await capable.complete(claim.job_id, capable.completion(claim, 'Il fait 18 °C.'))).status, 200);
  const completion = await answer;
  assert.equal(completion.choices[0]!.message.content, 'Il fait 18 °C.');
  assert.equal(completion.choices[0]!.finish_reason, 'stop');
});

test('a completion stays a completion: /v1/completions sends the prompt as written, kind text', async () => {
  const answer = openai.completions.create({ model: 'llama3.2', prompt: 'Once upon a time', max_tokens: 5 });
  const claim = await claimBy(plain);
  assert.deepEqual([claim.kind, claim.prompt], ['text', 'Once upon a time']);
  assert.equal((await plain.complete(claim.job_id, plain.completion(claim, ' there was'))).status, 200);
  assert.equal((await answer).choices[0]!.text, ' there was');
});

test('tools go only to a miner whose model supports them; the tool call comes back whole with finish_reason tool_calls', async () => {
  const answer = openai.chat.completions.create({ model: 'llama3.2', messages: [{ role: 'user', content: 'Weather in Oslo?' }], tools: [WEATHER_TOOL], tool_choice: 'required', max_tokens: 20 });
  // The cheaper plain miner polls first and is offered nothing: the job waits for a capable one.
  await until(async () => (await coordinator.request('GET', '/v1/jobs', { key: client })).body.items.length === 1, 'the job is queued');
  assert.equal((await plain.poll(0)).status, 204, 'the plain miner cannot claim a tools job');
  const claim = await claimBy(capable);
  const call: ToolCall = { id: 'call_oslo', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Oslo"}' } };
  const done = await capable.complete(claim.job_id, capable.completion(claim, { text: '', tool_calls: [call] }));
  assert.equal(done.status, 200, done.text);
  const completion = await answer;
  assert.deepEqual(completion.choices[0]!.message.tool_calls, [call]);
  assert.equal(completion.choices[0]!.message.content, null);
  assert.equal(completion.choices[0]!.finish_reason, 'tool_calls');
  const result = await coordinator.request('GET', `/v1/jobs/${claim.job_id}/result`, { key: client });
  assert.deepEqual(result.body.tool_calls, [call], 'the native result carries the tool calls too');
});

test('streamed: text pieces, then the tool calls as one delta in OpenAI chunk format, then finish_reason tool_calls', async () => {
  const stream = await openai.chat.completions.create({ model: 'llama3.2', messages: [{ role: 'user', content: 'Weather in Rome?' }], tools: [WEATHER_TOOL], stream: true, max_tokens: 20 });
  const claim = await claimBy(capable);
  const call: ToolCall = { id: 'call_rome', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Rome"}' } };
  assert.equal((await capable.complete(claim.job_id, capable.completion(claim, { text: 'Checking.', tool_calls: [call] }))).status, 200);
  const chunks: OpenAI.ChatCompletionChunk[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  const text = chunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').join('');
  assert.equal(text, 'Checking.');
  const deltas = chunks.flatMap((chunk) => chunk.choices[0]?.delta.tool_calls ?? []);
  assert.deepEqual(deltas, [{ index: 0, ...call }]);
  assert.equal(chunks.at(-1)!.choices[0]!.finish_reason, 'tool_calls');
});

test('a capability no online miner has is refused at once, OpenAI-shaped with param set; nothing is queued or escrowed', async () => {
  const refused = async (body: Record<string, unknown>, param: string) => {
    try {
      await openai.chat.completions.create({ model: 'llama3.2', messages: [{ role: 'user', content: 'hi' }], ...body } as never);
    } catch (error) {
      assert.ok(error instanceof OpenAI.APIError, String(error));
      assert.deepEqual([error.status, error.param], [422, param], error.message);
      return error.message;
    }
    return assert.fail(`${JSON.stringify(body)} was accepted`);
  };
  assert.match(await refused({ response_format: { type: 'json_object' } }, 'response_format'), /No online miner serving 'llama3\.2' supports JSON mode/);
  assert.match(await refused({ messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA' } }] }] }, 'messages'), /image input/);
  assert.match(await refused({ logprobs: true }, 'logprobs'), /log probabilities/);
  assert.equal((await coordinator.request('GET', '/v1/jobs', { key: client })).body.items.length, 0, 'nothing was queued');
  assert.equal((await coordinator.request('GET', '/v1/account', { key: client })).body.escrowed, '0');
});

test('a miner must not complete with what its job did not ask for: tool calls on a text job, a tool it was not offered', async () => {
  void openai.completions.create({ model: 'llama3.2', prompt: 'hi', max_tokens: 5 }).catch(() => {});
  const text = await claimBy(plain);
  const call: ToolCall = { id: 'c', type: 'function', function: { name: 'get_weather', arguments: '{}' } };
  const onText = await plain.complete(text.job_id, plain.completion(text, { text: '', tool_calls: [call] }));
  assert.deepEqual([onText.status, onText.body.field], [422, 'tool_calls'], onText.text);
  assert.equal((await plain.complete(text.job_id, plain.completion(text, 'fine'))).status, 200, 'the job is still the miner’s to complete');

  void openai.chat.completions.create({ model: 'llama3.2', messages: [{ role: 'user', content: 'hi' }], tools: [WEATHER_TOOL], max_tokens: 5 }).catch(() => {});
  const chat = await claimBy(capable);
  const unknown = await capable.complete(chat.job_id, capable.completion(chat, { text: '', tool_calls: [{ ...call, function: { name: 'rm_rf', arguments: '{}' } }] }));
  assert.deepEqual([unknown.status, unknown.body.field], [422, 'tool_calls[0].function.name'], unknown.text);
  assert.equal((await capable.complete(chat.job_id, capable.completion(chat, { text: '', tool_calls: [call] }))).status, 200);
});

test('/v1/models and the miner view show capabilities and context length', async () => {
  const model = await openai.models.retrieve('llama3.2');
  assert.deepEqual([(model as any).capabilities, (model as any).context_length], [['completion', 'chat', 'tools', 'json_schema'], 8192]);
  const view = await coordinator.request('GET', '/v1/miners/capable');
  assert.deepEqual(view.body.capabilities, { 'llama3.2': { capabilities: ['completion', 'chat', 'tools', 'json_schema'], context_length: 8192 } });
  const older = await coordinator.request('GET', '/v1/miners/plain');
  assert.deepEqual(older.body.capabilities, { 'llama3.2': { capabilities: ['completion', 'chat'], context_length: null } });
});

test('embeddings: a job of kind embedding on a miner with an embedding model, paid by input tokens; float and base64 (the SDK default) agree', async () => {
  const embedder = new TestMiner(coordinator, capable.apiKey, 'embedder', { 'nomic-embed-text': '0.0001' });
  assert.equal((await embedder.register({ capabilities: { 'nomic-embed-text': { capabilities: ['embeddings'] } } })).status, 201);
  const vectors = [
    [0.25, -0.5, 0.125],
    [1, 0, -0.0625],
  ];
  for (const encoding of ['float', undefined] as const) {
    const answer = openai.embeddings.create({ model: 'nomic-embed-text', input: ['first text', 'second'], ...(encoding ? { encoding_format: encoding } : {}) });
    const claim = await claimBy(embedder);
    assert.equal(claim.kind, 'embedding');
    assert.deepEqual(decodeJobInput(claim.kind, claim.prompt).input, { input: ['first text', 'second'] });
    const done = await embedder.complete(claim.job_id, embedder.completion(claim, { text: '', embeddings: vectors }, { prompt_tokens: 3, completion_tokens: 0 }));
    assert.equal(done.status, 200, done.text);
    assert.equal(done.body.receipt.units, '3', 'the receipt counts the input tokens');
    const list = await answer;
    assert.deepEqual(list.data.map((item) => item.embedding), vectors, `encoding ${encoding ?? 'base64 (default)'}`);
    assert.deepEqual(list.usage, { prompt_tokens: 3, total_tokens: 3 });
  }
  // A chat model cannot take embeddings, nor an embedding model chat.
  const refused = await coordinator.request('POST', '/v1/embeddings', { key: client, body: { model: 'llama3.2', input: 'hi' } });
  assert.deepEqual([refused.status, refused.body.error.param], [422, 'model'], refused.text);
  assert.match(refused.body.detail, /supports embeddings/);
  const chat = await coordinator.request('POST', '/v1/chat/completions', { key: client, body: { model: 'nomic-embed-text', messages: [{ role: 'user', content: 'hi' }] } });
  assert.deepEqual([chat.status, chat.body.error.param], [422, 'model'], chat.text);
});

test('an embedding miner must send one vector per input, of one length', async () => {
  const embedder = new TestMiner(coordinator, capable.apiKey, 'embedder', { 'nomic-embed-text': '0.0001' });
  await embedder.register({ capabilities: { 'nomic-embed-text': { capabilities: ['embeddings'] } } });
  void openai.embeddings.create({ model: 'nomic-embed-text', input: ['a', 'b'] }).catch(() => {});
  const claim = await claimBy(embedder);
  const cases: [number[][] | undefined, string][] = [
    [[[1, 2]], 'embeddings'],
    [[[1, 2], [1]], 'embeddings[1]'],
    [undefined, 'embeddings'],
  ];
  for (const [embeddings, field] of cases) {
    const body = embedder.completion(claim, { text: '', ...(embeddings ? { embeddings } : {}) }, { prompt_tokens: 2, completion_tokens: 0 });
    const answer = await embedder.complete(claim.job_id, body);
    assert.deepEqual([answer.status, answer.body.field], [422, field], answer.text);
  }
  const good = embedder.completion(claim, { text: '', embeddings: [[1, 2], [3, 4]] }, { prompt_tokens: 2, completion_tokens: 0 });
  assert.equal((await embedder.complete(claim.job_id, good)).status, 200);
});

test('/v1/responses: instructions become the system message, function tools reach the miner; the answer is a Response, whole or streamed', async () => {
  const whole = openai.responses.create({ model: 'llama3.2', instructions: 'Be brief.', input: 'Weather in Lima?', tools: [{ type: 'function', name: 'get_weather', parameters: WEATHER_TOOL.function.parameters, strict: false }], max_output_tokens: 30 });
  const claim = await claimBy(capable);
  const decoded = decodeJobInput(claim.kind, claim.prompt);
  assert.equal(decoded.kind, 'chat');
  assert.deepEqual(decoded.input.messages, [
    { role: 'system', content: 'Be brief.' },
    { role: 'user', content: 'Weather in Lima?' },
  ]);
  assert.deepEqual(decoded.input.tools?.map((tool) => tool.function.name), ['get_weather']);
  const call: ToolCall = { id: 'call_lima', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Lima"}' } };
  assert.equal((await capable.complete(claim.job_id, capable.completion(claim, { text: '', tool_calls: [call] }))).status, 200);
  const response = await whole;
  assert.equal(response.status, 'completed');
  assert.deepEqual(
    response.output.map((item) => (item.type === 'function_call' ? [item.type, item.call_id, item.name, item.arguments] : [item.type])),
    [['function_call', 'call_lima', 'get_weather', '{"city":"Lima"}']],
  );

  const stream = await openai.responses.create({ model: 'llama3.2', input: 'Say hi', stream: true, max_output_tokens: 30 });
  const streamed = await claimBy(plain);
  assert.equal((await plain.complete(streamed.job_id, plain.completion(streamed, 'Hi there'))).status, 200);
  const types: string[] = [];
  let text = '';
  for await (const event of stream) {
    types.push(event.type);
    if (event.type === 'response.output_text.delta') text += event.delta;
  }
  assert.equal(text, 'Hi there');
  assert.equal(types[0], 'response.created');
  assert.equal(types.at(-1), 'response.completed');
});

test('/v1/responses refuses what needs stored state or built-in tools, naming the field', async () => {
  const refused = async (body: Record<string, unknown>) => coordinator.request('POST', '/v1/responses', { key: client, body: { model: 'llama3.2', input: 'hi', ...body } });
  const previous = await refused({ previous_response_id: 'resp_x' });
  assert.deepEqual([previous.status, previous.body.error.param], [422, 'previous_response_id'], previous.text);
  const search = await refused({ tools: [{ type: 'web_search' }] });
  assert.equal(search.status, 422, search.text);
  assert.match(search.body.error.param, /^tools/);
  assert.equal((await coordinator.request('GET', '/v1/jobs', { key: client })).body.items.length, 0, 'nothing was queued');
});

test('prices are those of the miners that can run the request: a tools request is checked and bounded at the capable miner’s price', async () => {
  const tools = { messages: [{ role: 'user', content: 'Weather?' }], tools: [WEATHER_TOOL] };
  // 10 tokens: 0.01 AITBC at the plain miner's 0.001, but only the capable miner (0.002) runs tools.
  const low = await coordinator.request('POST', '/v1/chat/completions', { key: client, body: { model: 'llama3.2', ...tools, max_tokens: 10, max_price: '0.015' } });
  assert.deepEqual([low.status, low.body.field], [422, 'max_price'], low.text);
  assert.match(low.body.detail, /0\.002 AITBC per token .* at least 0\.02 AITBC/);
  // Without max_tokens, 0.01 AITBC buys 5 tokens at the capable miner's price (10 at the plain one's).
  void openai.chat.completions.create({ model: 'llama3.2', ...tools, max_price: '0.01' } as never).catch(() => {});
  const claim = await claimBy(capable);
  assert.equal(claim.params.max_tokens, 5);
  await capable.complete(claim.job_id, capable.completion(claim, 'ok', { prompt_tokens: 0, completion_tokens: 5 }));
});
