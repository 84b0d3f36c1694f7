// The README's compatibility promise, kept by the real third-party clients, unchanged: the
// `openai` package, the AI SDK (its OpenAI provider, default and chat models, and the
// OpenAI-compatible provider) and LangChain, against one `aitbc coordinator` and one
// `aitbc miner --backend demo` process (models demo and demo-embed). The demo model makes a
// deterministic tool call fitting the tool's schema, begins its answer to a tool result with that
// result, and answers JSON that fits a requested schema, so what a client does with each answer
// can be checked; every answer is an ordinary job, paid for and receipted.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { createOpenAI } from '@ai-sdk/openai';
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import { embed, generateObject, generateText, stepCountIs, streamText, tool } from 'ai';
import { ChatOpenAI, OpenAIEmbeddings } from '@langchain/openai';
import { ToolMessage } from '@langchain/core/messages';
import { z } from 'zod';
import { parseAmount } from '@aitbc/protocol';
import type { AitbcClient, Job } from '@aitbc/sdk';
import { allJobs, Market } from './market.ts';

(globalThis as { AI_SDK_LOG_WARNINGS?: boolean }).AI_SDK_LOG_WARNINGS = false;

/** demo-embed's vector length (packages/miner/src/backends/demo-embed.ts). */
const DEMO_EMBED_DIMENSIONS = 64;

const Weather = z.object({ city: z.string(), unit: z.enum(['celsius', 'fahrenheit']) });
const weatherParameters = {
  type: 'object',
  properties: { city: { type: 'string', description: 'A city' }, unit: { type: 'string', enum: ['celsius', 'fahrenheit'] } },
  required: ['city', 'unit'],
  additionalProperties: false,
};
const TOOL_ANSWER = '{"celsius":21}';
const Person = z.object({ name: z.string(), age: z.number().int().min(0).max(130), pets: z.array(z.string()).max(3) });

let market: Market;
let client: AitbcClient;
let baseURL: string;
let apiKey: string;

// Stopped when the file ends (node:test's `after` inside a hook would stop it after the first suite).
before(async () => {
  market = await Market.start({ after: () => undefined });
  await market.startMiner('demo-miner');
  ({ client, key: apiKey } = await market.unfundedClient('clients'));
  await market.operator.admin.credit('clients', '1000');
  baseURL = `${market.url}/v1`;
});
after(() => market.stop());

const available = async () => parseAmount((await client.account.get()).available);

/**
 * Runs `call` and checks that what it asked for was paid: each job it made completed with a
 * receipt, and the account's available balance fell by exactly their prices (nothing left in escrow).
 */
async function paid<T>(call: () => Promise<T>, jobCount = 1): Promise<{ result: T; jobs: Job[]; priceMicro: bigint }> {
  const known = new Set((await allJobs(client)).map((job) => job.job_id));
  const before = await available();
  const result = await call();
  const jobs = (await allJobs(client)).filter((job) => !known.has(job.job_id));
  assert.equal(jobs.length, jobCount, 'one job per request');
  for (const job of jobs) {
    assert.equal(job.status, 'completed');
    assert.match(job.receipt_id ?? '', /^rcpt-/);
  }
  const priceMicro = jobs.reduce((sum, job) => sum + parseAmount(job.price!), 0n);
  assert.ok(priceMicro > 0n);
  assert.equal(before - (await available()), priceMicro, 'the balance fell by the price');
  assert.equal((await client.account.get()).escrowed, '0');
  return { result, jobs, priceMicro };
}

/** The output the coordinator holds for a job: what the client must have received. */
async function outputOf(job: Job): Promise<string> {
  const result = await client.jobs.result(job.job_id);
  assert.ok(result, `the result of ${job.job_id}`);
  return result.output;
}

const aitbcOf = (answer: unknown) => (answer as { aitbc: { job_id: string; receipt_id: string; price: string } }).aitbc;

describe('openai', () => {
  const openai = () => new OpenAI({ baseURL, apiKey, maxRetries: 0 });

  test('chat: the answer, with the price the client paid and its receipt', async () => {
    const { result, jobs, priceMicro } = await paid(() => openai().chat.completions.create({ model: 'demo', messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Alice was beginning' }], max_tokens: 12 }));
    assert.ok((result.choices[0]!.message.content ?? '').trim().length > 0);
    assert.equal(result.choices[0]!.finish_reason, 'length');
    assert.deepEqual(aitbcOf(result), { job_id: jobs[0]!.job_id, receipt_id: jobs[0]!.receipt_id, price: jobs[0]!.price });
    assert.equal(parseAmount(aitbcOf(result).price), priceMicro);
    assert.equal((await client.receipts.get(aitbcOf(result).receipt_id)).job_id, jobs[0]!.job_id);
  });

  test('streaming: the pieces join to the job output; the last chunk carries the price, usage after it', async () => {
    const { result, jobs } = await paid(async () => {
      const pieces: string[] = [];
      let last: OpenAI.ChatCompletionChunk | undefined;
      const chunks: OpenAI.ChatCompletionChunk[] = [];
      for await (const chunk of await openai().chat.completions.create({ model: 'demo', messages: [{ role: 'user', content: 'The Queen said' }], max_tokens: 10, stream: true, stream_options: { include_usage: true } })) {
        chunks.push(chunk);
        const delta = chunk.choices[0]?.delta?.content;
        if (delta) pieces.push(delta);
        if (chunk.choices[0]?.finish_reason) last = chunk;
      }
      return { pieces, last, usage: chunks.at(-1)!.usage };
    });
    assert.ok(result.pieces.length > 1, 'the text came in pieces');
    assert.equal(result.pieces.join(''), await outputOf(jobs[0]!));
    assert.equal(aitbcOf(result.last).price, jobs[0]!.price);
    assert.equal(result.usage?.completion_tokens, 10);
  });

  test('tools: the call names the tool with arguments that fit its schema; the tool-result turn answers starting with the result', async () => {
    const tools: OpenAI.ChatCompletionTool[] = [{ type: 'function', function: { name: 'get_weather', description: 'Weather now', parameters: weatherParameters } }];
    const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: 'system', content: 'Use tools.' }, { role: 'user', content: 'Weather in Paris?' }];
    const { result: asked } = await paid(() => openai().chat.completions.create({ model: 'demo', messages, tools, tool_choice: 'required' }));
    const choice = asked.choices[0]!;
    assert.equal(choice.finish_reason, 'tool_calls');
    const call = choice.message.tool_calls![0]!;
    assert.ok(call.type === 'function');
    assert.equal(call.function.name, 'get_weather');
    Weather.parse(JSON.parse(call.function.arguments));
    const { result: answered } = await paid(() =>
      openai().chat.completions.create({ model: 'demo', messages: [...messages, choice.message, { role: 'tool', tool_call_id: call.id, content: TOOL_ANSWER }], tools, max_tokens: 8 }),
    );
    assert.ok(answered.choices[0]!.message.content!.startsWith(TOOL_ANSWER), answered.choices[0]!.message.content!);
    assert.equal(answered.choices[0]!.message.tool_calls ?? undefined, undefined);
  });

  test('tools, streamed: the call arrives as tool_calls deltas that add up to the call', async () => {
    const { result: calls } = await paid(async () => {
      const calls = new Map<number, { name: string; args: string }>();
      for await (const chunk of await openai().chat.completions.create({ model: 'demo', messages: [{ role: 'user', content: 'Weather in Rome?' }], tools: [{ type: 'function', function: { name: 'get_weather', parameters: weatherParameters } }], stream: true })) {
        for (const delta of chunk.choices[0]?.delta?.tool_calls ?? []) {
          const call = calls.get(delta.index) ?? { name: '', args: '' };
          calls.set(delta.index, { name: call.name + (delta.function?.name ?? ''), args: call.args + (delta.function?.arguments ?? '') });
        }
      }
      return [...calls.values()];
    });
    assert.equal(calls.length, 1);
    assert.equal(calls[0]!.name, 'get_weather');
    Weather.parse(JSON.parse(calls[0]!.args));
  });

  test('response_format json_schema: the content parses and fits the schema', async () => {
    const { result } = await paid(() =>
      openai().chat.completions.create({ model: 'demo', messages: [{ role: 'user', content: 'A person, please' }], response_format: { type: 'json_schema', json_schema: { name: 'person', strict: true, schema: z.toJSONSchema(Person) as Record<string, unknown> } } }),
    );
    Person.parse(JSON.parse(result.choices[0]!.message.content!));
  });

  test('embeddings: one vector per input, of the model length, the same for the same text', async () => {
    const { result } = await paid(() => openai().embeddings.create({ model: 'demo-embed', input: ['the white rabbit', 'the queen of hearts', 'the white rabbit'] }));
    assert.equal(result.data.length, 3);
    for (const item of result.data) assert.equal(item.embedding.length, DEMO_EMBED_DIMENSIONS);
    assert.deepEqual(result.data[0]!.embedding, result.data[2]!.embedding);
    assert.notDeepEqual(result.data[0]!.embedding, result.data[1]!.embedding);
    const { result: float } = await paid(() => openai().embeddings.create({ model: 'demo-embed', input: 'the white rabbit', encoding_format: 'float' }));
    assert.deepEqual(float.data[0]!.embedding.map((x) => Math.fround(x)), result.data[0]!.embedding, 'base64 (the default) and float give the same vector');
  });

  test('models: list and retrieve, with capabilities and prices', async () => {
    const model = (await openai().models.retrieve('demo')) as OpenAI.Model & { capabilities: string[]; min_price: string };
    assert.equal(model.id, 'demo');
    assert.equal(model.object, 'model');
    assert.ok(['chat', 'tools', 'json_schema'].every((capability) => model.capabilities.includes(capability)));
    assert.equal(model.min_price, '0.001');
    const ids = [];
    for await (const listed of openai().models.list()) ids.push(listed.id);
    assert.deepEqual(ids.sort(), ['demo', 'demo-embed']);
    await assert.rejects(openai().models.retrieve('no-such-model'), (error: unknown) => error instanceof OpenAI.NotFoundError || (error instanceof OpenAI.APIError && error.code === 'model_not_found'));
  });

  test('responses: text, a tool call, and streamed deltas that make the text', async () => {
    const { result: text } = await paid(() => openai().responses.create({ model: 'demo', instructions: 'Be brief.', input: 'Down the rabbit hole', max_output_tokens: 16 }));
    assert.ok(text.output_text.trim().length > 0);
    assert.equal(aitbcOf(text).receipt_id, (await allJobs(client)).find((job) => job.job_id === aitbcOf(text).job_id)!.receipt_id);
    const { result: called } = await paid(() => openai().responses.create({ model: 'demo', input: 'Weather in Oslo?', tools: [{ type: 'function', name: 'get_weather', parameters: weatherParameters, strict: true }], tool_choice: 'required' }));
    const call = called.output.find((item) => item.type === 'function_call');
    assert.ok(call?.type === 'function_call');
    assert.equal(call.name, 'get_weather');
    Weather.parse(JSON.parse(call.arguments));
    const { result: streamed, jobs } = await paid(async () => {
      let deltas = '';
      let completed: OpenAI.Responses.Response | undefined;
      for await (const event of await openai().responses.create({ model: 'demo', input: 'Curiouser and curiouser', max_output_tokens: 10, stream: true })) {
        if (event.type === 'response.output_text.delta') deltas += event.delta;
        if (event.type === 'response.completed' || event.type === 'response.incomplete') completed = event.response;
      }
      return { deltas, completed };
    });
    assert.equal(streamed.deltas, await outputOf(jobs[0]!));
    const message = streamed.completed?.output.find((item) => item.type === 'message');
    assert.deepEqual(message?.type === 'message' && message.content.map((part) => part.type === 'output_text' && part.text), [streamed.deltas], 'response.completed holds the whole text');
  });
});

describe('AI SDK', () => {
  const provider = () => createOpenAI({ baseURL, apiKey });
  const weather = () => tool({ description: 'Weather now', inputSchema: Weather });

  test('generateText with a required tool (chat model): the call fits the schema', async () => {
    const { result } = await paid(() => generateText({ model: provider().chat('demo'), prompt: 'Weather in Paris?', toolChoice: 'required', tools: { weather: weather() }, maxRetries: 0 }));
    assert.equal(result.toolCalls.length, 1);
    assert.equal(result.toolCalls[0]!.toolName, 'weather');
    Weather.parse(result.toolCalls[0]!.input);
  });

  test('generateObject: an object that fits the zod schema', async () => {
    const { result } = await paid(() => generateObject({ model: provider().chat('demo'), schema: Person, prompt: 'A person', maxRetries: 0 }));
    Person.parse(result.object);
  });

  test('streamText: the pieces join to the whole text, which is the job output', async () => {
    const { result, jobs } = await paid(async () => {
      const streamed = streamText({ model: provider().chat('demo'), prompt: 'Alice was beginning', maxOutputTokens: 12, maxRetries: 0 });
      const pieces: string[] = [];
      for await (const piece of streamed.textStream) pieces.push(piece);
      return { pieces, text: await streamed.text, finishReason: await streamed.finishReason };
    });
    assert.ok(result.pieces.length > 1, 'the text came in pieces');
    assert.equal(result.pieces.join(''), result.text);
    assert.equal(result.text, await outputOf(jobs[0]!));
    assert.equal(result.finishReason, 'length');
  });

  test('embed: a vector of the model length, the same for the same text', async () => {
    const model = provider().embedding('demo-embed');
    const { result: first } = await paid(() => embed({ model, value: 'sunny day in Paris', maxRetries: 0 }));
    const { result: second } = await paid(() => embed({ model, value: 'sunny day in Paris', maxRetries: 0 }));
    assert.equal(first.embedding.length, DEMO_EMBED_DIMENSIONS);
    assert.deepEqual(first.embedding, second.embedding);
  });

  test("the default openai('demo') model (Responses API): text, and a required tool", async () => {
    const { result: text } = await paid(() => generateText({ model: provider()('demo'), system: 'Be brief.', prompt: 'The Hatter opened his eyes', maxOutputTokens: 10, maxRetries: 0 }));
    assert.ok(text.text.trim().length > 0);
    const { result: called } = await paid(() => generateText({ model: provider()('demo'), prompt: 'Weather in Paris?', toolChoice: 'required', tools: { weather: weather() }, maxRetries: 0 }));
    assert.equal(called.toolCalls[0]?.toolName, 'weather');
    Weather.parse(called.toolCalls[0]!.input);
  });

  for (const [api, model] of [
    ['chat completions', () => provider().chat('demo')],
    ['Responses', () => provider()('demo')],
  ] as const) {
    test(`a multi-step tool loop (${api}): the tool runs, its result goes back, the last step is text starting with it`, async () => {
      const calls: unknown[] = [];
      const { result } = await paid(
        () =>
          generateText({
            model: model(),
            prompt: 'Weather in Paris?',
            stopWhen: stepCountIs(4),
            maxOutputTokens: 8,
            maxRetries: 0,
            tools: { weather: tool({ description: 'Weather now', inputSchema: Weather, execute: async () => (calls.push(1), JSON.parse(TOOL_ANSWER) as unknown) }) },
          }),
        2,
      );
      assert.equal(calls.length, 1, 'the tool ran once');
      assert.equal(result.steps.length, 2);
      assert.equal(result.steps[0]!.finishReason, 'tool-calls');
      assert.ok(result.text.startsWith(TOOL_ANSWER), result.text);
    });
  }

  test('createOpenAICompatible: chat and embeddings', async () => {
    const compatible = createOpenAICompatible({ name: 'aitbc', baseURL, apiKey });
    const { result: text } = await paid(() => generateText({ model: compatible.chatModel('demo'), prompt: 'Down the rabbit hole', maxOutputTokens: 8, maxRetries: 0 }));
    assert.ok(text.text.trim().length > 0);
    const { result: vector } = await paid(() => embed({ model: compatible.embeddingModel('demo-embed'), value: 'the white rabbit', maxRetries: 0 }));
    assert.equal(vector.embedding.length, DEMO_EMBED_DIMENSIONS);
  });
});

describe('LangChain', () => {
  const chat = () => new ChatOpenAI({ model: 'demo', apiKey, configuration: { baseURL }, maxRetries: 0 });
  const getWeather = { name: 'get_weather', description: 'Weather now', schema: Weather };

  test('bindTools: the call fits the schema; the ToolMessage turn answers starting with the result', async () => {
    const model = chat().bindTools([getWeather]);
    const { result: asked } = await paid(() => model.invoke('Weather in Paris?'));
    const call = asked.tool_calls![0]!;
    assert.equal(call.name, 'get_weather');
    Weather.parse(call.args);
    const { result: answered } = await paid(() => model.invoke(['Weather in Paris?', asked, new ToolMessage({ tool_call_id: call.id!, content: TOOL_ANSWER })]));
    assert.ok(answered.text.startsWith(TOOL_ANSWER), answered.text);
  });

  for (const method of ['functionCalling', 'jsonSchema'] as const) {
    test(`withStructuredOutput (${method}): an object that fits the zod schema`, async () => {
      const { result } = await paid(() => chat().withStructuredOutput(Person, { method }).invoke('A person'));
      Person.parse(result);
    });
  }

  test('withStructuredOutput (jsonMode): an object that fits the zod schema', async () => {
    // JSON mode names no schema; the demo model answers {"text": …} to it.
    const Said = z.object({ text: z.string() });
    const { result } = await paid(() => chat().withStructuredOutput(Said, { method: 'jsonMode' }).invoke('Say something, as JSON'));
    Said.parse(result);
  });

  test('OpenAIEmbeddings: vectors of the model length, the same for the same text', async () => {
    const embeddings = new OpenAIEmbeddings({ model: 'demo-embed', apiKey, configuration: { baseURL }, maxRetries: 0 });
    const { result: documents } = await paid(() => embeddings.embedDocuments(['the white rabbit', 'the queen of hearts']));
    const { result: query } = await paid(() => embeddings.embedQuery('the white rabbit'));
    assert.equal(documents.length, 2);
    for (const vector of [...documents, query]) assert.equal(vector.length, DEMO_EMBED_DIMENSIONS);
    assert.deepEqual(query, documents[0]);
  });
});
