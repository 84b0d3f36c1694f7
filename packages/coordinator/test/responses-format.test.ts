// The OpenAI Responses format (packages/coordinator/src/services/responses-format.ts): what a
// request maps to and what is refused, and — against a small local server standing in for the
// coordinator, answering with that module's Response objects and event streams — the real
// clients: `openai`, the AI SDK's default `openai('m')` and LangChain with useResponsesApi. Every
// request body a client sends goes through `toChatRequest` on that server, so a client whose
// default request we refused would fail here.

import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import OpenAI from 'openai';
import { createOpenAI } from '@ai-sdk/openai';
import { generateText, stepCountIs, streamText, tool } from 'ai';
import { ChatOpenAI } from '@langchain/openai';
import { AIMessage, ToolMessage } from '@langchain/core/messages';
import { z } from 'zod';
import { ApiError, type JobOutput } from '@aitbc/protocol';
import { EventStream } from '../src/http/event-stream.ts';
import { withOpenAiError } from '../src/services/openai-format.ts';
import { itemJobId, referencedItemIds, toChatRequest, type ChatRequest } from '../src/services/responses-format.ts';
import { outputItems, ResponseEventEncoder, responseObject, type OutputItem, type ResponseEvent, type ResponseHead, type Settlement } from '../src/services/responses-answer.ts';

(globalThis as { AI_SDK_LOG_WARNINGS?: boolean }).AI_SDK_LOG_WARNINGS = false;

/** The ApiError `call` throws. */
function refusal(call: () => unknown): ApiError {
  try {
    call();
  } catch (error) {
    assert.ok(error instanceof ApiError, String(error));
    return error;
  }
  assert.fail('accepted');
}

const weatherTool = { type: 'function', name: 'weather', description: 'Weather in a city', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] }, strict: false };

describe('toChatRequest', () => {
  test('a string input is one user message; instructions lead as a system message; sampling fields become job params', () => {
    const request = toChatRequest({ model: 'llama3.2', input: 'Hi', instructions: 'Be brief', max_output_tokens: 50, temperature: 0.5, top_p: 0.9, stream: true, max_price: '0.01' });
    assert.deepEqual(request.input, { messages: [{ role: 'system', content: 'Be brief' }, { role: 'user', content: 'Hi' }] });
    assert.deepEqual(request.params, { max_tokens: 50, temperature: 0.5, top_p: 0.9 });
    assert.equal(request.max_price, '0.01');
    assert.equal(request.stream, true);
    assert.equal(request.model, 'llama3.2');
  });

  test('message items keep their roles; input_text/output_text parts become text parts, an inline input_image an image_url part', () => {
    const request = toChatRequest({
      model: 'm',
      input: [
        { role: 'developer', content: 'Rules' },
        { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'What is this?' }, { type: 'input_image', image_url: 'data:image/png;base64,iVBORw==', detail: 'low' }] },
        { type: 'message', role: 'assistant', id: 'msg_x', status: 'completed', content: [{ type: 'output_text', text: 'A cat', annotations: [] }] },
      ],
    });
    assert.deepEqual(request.input.messages, [
      { role: 'developer', content: 'Rules' },
      { role: 'user', content: [{ type: 'text', text: 'What is this?' }, { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw==', detail: 'low' } }] },
      { role: 'assistant', content: [{ type: 'text', text: 'A cat' }] },
    ]);
  });

  test('function_call items join the assistant turn before them as tool_calls; function_call_output items become tool messages', () => {
    const request = toChatRequest({
      model: 'm',
      input: [
        { role: 'user', content: 'Weather in Paris and Rome?' },
        { role: 'assistant', content: 'Checking.' },
        { type: 'function_call', call_id: 'c1', name: 'weather', arguments: '{"city":"Paris"}' },
        { type: 'function_call', id: 'fc_1', call_id: 'c2', name: 'weather', arguments: '{"city":"Rome"}', status: 'completed' },
        { type: 'function_call_output', call_id: 'c1', output: '{"t":20}' },
        { type: 'function_call_output', call_id: 'c2', output: [{ type: 'input_text', text: '{"t":' }, { type: 'input_text', text: '25}' }] },
        { type: 'function_call', call_id: 'c3', name: 'weather', arguments: '{"city":"Oslo"}' },
      ],
    });
    const call = (id: string, city: string) => ({ id, type: 'function', function: { name: 'weather', arguments: `{"city":"${city}"}` } });
    assert.deepEqual(request.input.messages, [
      { role: 'user', content: 'Weather in Paris and Rome?' },
      { role: 'assistant', content: 'Checking.', tool_calls: [call('c1', 'Paris'), call('c2', 'Rome')] },
      { role: 'tool', tool_call_id: 'c1', content: '{"t":20}' },
      { role: 'tool', tool_call_id: 'c2', content: '{"t":25}' },
      { role: 'assistant', content: null, tool_calls: [call('c3', 'Oslo')] },
    ]);
  });

  test('function tools, every tool_choice form and every text.format become the chat fields', () => {
    const request = toChatRequest({ model: 'm', input: 'x', tools: [weatherTool, { type: 'function', name: 'now', strict: null }], tool_choice: { type: 'function', name: 'weather' }, text: { format: { type: 'json_schema', name: 'answer', schema: { type: 'object' }, strict: true } } });
    assert.deepEqual(request.input.tools, [
      { type: 'function', function: { name: 'weather', description: 'Weather in a city', parameters: weatherTool.parameters, strict: false } },
      { type: 'function', function: { name: 'now' } },
    ]);
    assert.deepEqual(request.input.tool_choice, { type: 'function', function: { name: 'weather' } });
    assert.deepEqual(request.input.response_format, { type: 'json_schema', json_schema: { name: 'answer', schema: { type: 'object' }, strict: true } });
    for (const choice of ['auto', 'none', 'required'] as const) assert.equal(toChatRequest({ model: 'm', input: 'x', tool_choice: choice }).input.tool_choice, choice);
    assert.deepEqual(toChatRequest({ model: 'm', input: 'x', text: { format: { type: 'json_object' } } }).input.response_format, { type: 'json_object' });
    assert.deepEqual(toChatRequest({ model: 'm', input: 'x', text: { format: { type: 'text' } } }).input.response_format, { type: 'text' });
    // LangChain sends `text: {}`: no format asked for.
    assert.equal(toChatRequest({ model: 'm', input: 'x', text: {} }).input.response_format, undefined);
    assert.equal(toChatRequest({ model: 'm', input: 'x', tools: [] }).input.tools, undefined);
  });

  test('store, metadata, user, parallel_tool_calls, include, reasoning items and unknown fields are accepted and change nothing', () => {
    const plain = toChatRequest({ model: 'm', input: [{ role: 'user', content: 'Hi' }] });
    const decorated = toChatRequest({
      model: 'm',
      input: [{ type: 'reasoning', id: 'rs_1', summary: [], encrypted_content: 'opaque' }, { role: 'user', content: 'Hi' }],
      store: true,
      metadata: { team: 'a' },
      user: 'u1',
      parallel_tool_calls: false,
      include: ['reasoning.encrypted_content'],
      reasoning: { effort: null },
      text: { verbosity: 'low' },
      service_tier: 'auto',
    });
    assert.deepEqual(decorated.input, plain.input);
    assert.deepEqual(decorated.params, plain.params);
  });

  test('what needs stored state, built-in tools or more than one answer is refused, naming the field and what to do', () => {
    const cases: [Record<string, unknown>, string, string][] = [
      [{ previous_response_id: 'resp_1' }, 'VALIDATION_OUT_OF_RANGE', 'previous_response_id'],
      [{ conversation: 'conv_1' }, 'VALIDATION_OUT_OF_RANGE', 'conversation'],
      [{ background: true }, 'VALIDATION_OUT_OF_RANGE', 'background'],
      [{ prompt: { id: 'pmpt_1' } }, 'VALIDATION_OUT_OF_RANGE', 'prompt'],
      [{ reasoning: { effort: 'high' } }, 'VALIDATION_OUT_OF_RANGE', 'reasoning.effort'],
      [{ reasoning: { summary: 'auto' } }, 'VALIDATION_OUT_OF_RANGE', 'reasoning.summary'],
      [{ n: 2 }, 'VALIDATION_OUT_OF_RANGE', 'n'],
      [{ top_logprobs: 3 }, 'VALIDATION_OUT_OF_RANGE', 'top_logprobs'],
      [{ tools: [weatherTool, { type: 'web_search' }] }, 'VALIDATION_OUT_OF_RANGE', 'tools.1.type'],
      [{ tools: [{ type: 'file_search', vector_store_ids: ['vs'] }] }, 'VALIDATION_OUT_OF_RANGE', 'tools.0.type'],
      [{ tool_choice: { type: 'web_search_preview' } }, 'VALIDATION_OUT_OF_RANGE', 'tool_choice'],
      [{ text: { format: { type: 'xml' } } }, 'VALIDATION_INVALID_FORMAT', 'text.format.type'],
      [{ max_output_tokens: 0 }, 'VALIDATION_OUT_OF_RANGE', 'max_output_tokens'],
      [{ temperature: 3 }, 'VALIDATION_OUT_OF_RANGE', 'temperature'],
      [{ top_p: '1' }, 'VALIDATION_INVALID_TYPE', 'top_p'],
      [{ input: [{ role: 'user', content: [{ type: 'input_image', image_url: 'https://example.com/cat.png' }] }] }, 'VALIDATION_INVALID_FORMAT', 'input.0.content.0.image_url'],
      [{ input: [{ role: 'user', content: [{ type: 'input_file', file_id: 'file_1' }] }] }, 'VALIDATION_INVALID_FORMAT', 'input.0.content.0.type'],
      [{ input: [{ type: 'web_search_call', id: 'ws_1' }] }, 'VALIDATION_INVALID_FORMAT', 'input.0.type'],
      [{ input: [{ role: 'tool', content: 'x' }] }, 'VALIDATION_INVALID_FORMAT', 'input.0.role'],
      [{ input: [{ type: 'function_call', call_id: 'c1', name: 'weather' }] }, 'VALIDATION_INVALID_TYPE', 'input.0.arguments'],
      [{ input: [] }, 'VALIDATION_MISSING_FIELD', 'input'],
      [{ input: undefined, instructions: 'Only a system message' }, 'VALIDATION_MISSING_FIELD', 'input'],
      [{ model: 7 }, 'VALIDATION_INVALID_TYPE', 'model'],
    ];
    for (const [fields, code, field] of cases) {
      const error = refusal(() => toChatRequest({ model: 'm', input: 'x', ...fields }));
      assert.deepEqual([error.code, error.field], [code, field], JSON.stringify(fields));
      assert.ok(error.status < 500);
    }
    assert.match(refusal(() => toChatRequest({ model: 'm', input: 'x', previous_response_id: 'resp_1' })).message, /send the whole conversation in `input`/);
    assert.match(refusal(() => toChatRequest({ model: 'm', input: 'x', tools: [{ type: 'web_search' }] })).message, /define it as a function tool/);
  });

  test('an item_reference is the earlier output item the caller looked up; one it did not find is refused', () => {
    const jobId = 'job-00000000000000000000000a';
    const items = outputItems(jobId, { text: 'Let me look.', tool_calls: [{ id: 'c1', type: 'function', function: { name: 'weather', arguments: '{}' } }] });
    const body = { model: 'm', input: [{ role: 'user', content: 'Hi' }, { type: 'item_reference', id: `msg_${jobId}` }, { type: 'item_reference', id: `fc_${jobId}_0` }] };
    assert.deepEqual(referencedItemIds(body), [`msg_${jobId}`, `fc_${jobId}_0`]);
    assert.deepEqual(referencedItemIds(body).map(itemJobId), [jobId, jobId]);
    assert.equal(itemJobId('msg_somewhere-else'), undefined);
    const request = toChatRequest(body, new Map(items.map((item) => [item.id, item])));
    assert.deepEqual(request.input.messages.at(-1), { role: 'assistant', content: [{ type: 'text', text: 'Let me look.' }], tool_calls: [{ id: 'c1', type: 'function', function: { name: 'weather', arguments: '{}' } }] });
    const error = refusal(() => toChatRequest(body));
    assert.deepEqual([error.code, error.field], ['VALIDATION_INVALID_FORMAT', 'input.1.id']);
    assert.match(error.message, /send the item itself/);
  });
});

const HEAD: ResponseHead = {
  jobId: 'job-0123456789abcdef01234567',
  createdAt: 1_700_000_000_500,
  model: 'llama3.2',
  echo: toChatRequest({ model: 'llama3.2', input: 'x' }).echo,
};
const SETTLED: Settlement = { inputTokens: 7, outputTokens: 3, truncated: false, receiptId: 'rcpt-1', price: '0.000010' };
const CALL = { id: 'call_1', type: 'function' as const, function: { name: 'weather', arguments: '{"city":"Paris"}' } };

describe('responseObject', () => {
  test('text is one message with one output_text part; usage and the aitbc extra are there', () => {
    const response = responseObject(HEAD, { text: 'Hello' }, SETTLED);
    assert.equal(response.id, 'resp_job-0123456789abcdef01234567');
    assert.deepEqual([response.object, response.status, response.created_at, response.model, response.incomplete_details], ['response', 'completed', 1_700_000_000, 'llama3.2', null]);
    assert.deepEqual(response.output, [{ type: 'message', id: 'msg_job-0123456789abcdef01234567', status: 'completed', role: 'assistant', content: [{ type: 'output_text', text: 'Hello', annotations: [] }] }]);
    assert.deepEqual(response.usage, { input_tokens: 7, input_tokens_details: { cached_tokens: 0 }, output_tokens: 3, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 10 });
    assert.deepEqual(response.aitbc, { job_id: HEAD.jobId, receipt_id: 'rcpt-1', price: '0.000010' });
  });

  test('tool calls are function_call items after the text; no text, no message', () => {
    const response = responseObject(HEAD, { text: '', tool_calls: [CALL] }, SETTLED);
    assert.deepEqual(response.output, [{ type: 'function_call', id: `fc_${HEAD.jobId}_0`, call_id: 'call_1', name: 'weather', arguments: '{"city":"Paris"}', status: 'completed' }]);
  });

  test('an answer cut at max_output_tokens is incomplete, saying why', () => {
    const response = responseObject(HEAD, { text: 'Hel' }, { ...SETTLED, truncated: true });
    assert.equal(response.status, 'incomplete');
    assert.deepEqual(response.incomplete_details, { reason: 'max_output_tokens' });
    assert.equal(response.output[0]!.status, 'incomplete');
  });
});

describe('ResponseEventEncoder', () => {
  const types = (events: ResponseEvent[]) => events.map((event) => event.event);

  test("OpenAI's order, numbered from 0, each event's type its name; text the miner did not stream comes in finish", () => {
    const encoder = new ResponseEventEncoder(HEAD);
    const events = [...encoder.start(), ...encoder.text('Hel'), ...encoder.text(''), ...encoder.finish({ text: 'Hello', tool_calls: [CALL] }, SETTLED)];
    assert.deepEqual(types(events), [
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.content_part.added',
      'response.output_text.delta',
      'response.output_text.delta',
      'response.output_text.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.output_item.added',
      'response.function_call_arguments.delta',
      'response.function_call_arguments.done',
      'response.output_item.done',
      'response.completed',
    ]);
    assert.deepEqual(events.map((event) => event.data.sequence_number), events.map((_, index) => index));
    assert.ok(events.every((event) => event.data.type === event.event));
    assert.deepEqual(events.filter((event) => event.event === 'response.output_text.delta').map((event) => event.data.delta), ['Hel', 'lo']);
    assert.equal(events.at(-4)!.data.output_index, 1);
    assert.deepEqual(events.at(-1)!.data.response, responseObject(HEAD, { text: 'Hello', tool_calls: [CALL] }, SETTLED));
  });

  test('a tool call alone is output 0; a cut answer ends with response.incomplete', () => {
    const encoder = new ResponseEventEncoder(HEAD);
    const events = [...encoder.start(), ...encoder.finish({ text: '', tool_calls: [CALL] }, { ...SETTLED, truncated: true })];
    assert.deepEqual(types(events).slice(2), ['response.output_item.added', 'response.function_call_arguments.delta', 'response.function_call_arguments.done', 'response.output_item.done', 'response.incomplete']);
    assert.equal(events[2]!.data.output_index, 0);
  });
});

// ---- the real clients against a stand-in coordinator

interface Answer {
  output: JobOutput;
  truncated?: boolean;
  /** Stream: fail after the text with this error instead of finishing. */
  failWith?: ApiError;
}

/** A local server answering POST /v1/responses with the module under test, from a script of answers. */
class StandIn {
  /** What each client sent, and what `toChatRequest` made of it. */
  readonly bodies: unknown[] = [];
  readonly requests: ChatRequest[] = [];
  readonly answers: Answer[] = [];
  /** The output items of every answer so far, for `item_reference`s, as the route resolves them from jobs. */
  private readonly items = new Map<string, OutputItem>();
  private jobs = 0;
  private readonly server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk) => (raw += chunk));
    req.on('end', () => this.answer(JSON.parse(raw), res));
  });

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/v1`;
  }

  close(): void {
    this.server.close();
  }

  private answer(body: unknown, res: http.ServerResponse): void {
    this.bodies.push(body);
    let request;
    try {
      request = toChatRequest(body, new Map(referencedItemIds(body).flatMap((id) => (this.items.has(id) ? [[id, this.items.get(id)!] as const] : []))));
    } catch (error) {
      assert.ok(error instanceof ApiError);
      res.writeHead(error.status, { 'Content-Type': 'application/json' }).end(JSON.stringify(withOpenAiError(error.toEnvelope('req-1'), error.status)));
      return;
    }
    this.requests.push(request);
    const answer = this.answers.shift();
    assert.ok(answer, 'a request the test did not expect');
    const head: ResponseHead = { jobId: `job-${(++this.jobs).toString(16).padStart(24, '0')}`, createdAt: Date.now(), model: request.model, echo: request.echo };
    const settled: Settlement = { inputTokens: 5, outputTokens: answer.output.text.split(' ').length, truncated: answer.truncated ?? false, receiptId: `rcpt-${this.jobs}`, price: '0.000010' };
    for (const item of outputItems(head.jobId, answer.output, settled.truncated)) this.items.set(item.id, item);
    if (!request.stream) {
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(responseObject(head, answer.output, settled)));
      return;
    }
    const stream = new EventStream(res, { stallMs: 5_000, keepAliveMs: 60_000, onBlocked: () => {}, onDrained: () => {} });
    stream.begin({});
    const encoder = new ResponseEventEncoder(head);
    const send = (events: ResponseEvent[]) => events.forEach(({ event, data }) => stream.send(data, event));
    send(encoder.start());
    // The miner streams the first words; the rest arrives with the completion.
    const words = answer.output.text.split(/(?<= )/);
    for (const word of words.slice(0, 2)) send(encoder.text(word));
    if (answer.failWith) send([encoder.error(withOpenAiError(answer.failWith.toEnvelope('req-1'), answer.failWith.status))]);
    else send(encoder.finish(answer.output, settled));
    stream.end(undefined, false);
  }
}

describe('real clients', () => {
  const standIn = new StandIn();
  let baseURL: string;
  const TEXT = 'Hello from an AITBC miner';
  const toolCall = (city: string) => ({ id: `call_${city}`, type: 'function' as const, function: { name: 'weather', arguments: JSON.stringify({ city }) } });

  before(async () => (baseURL = await standIn.start()));
  after(() => standIn.close());
  beforeEach(() => {
    standIn.bodies.length = 0;
    standIn.requests.length = 0;
    assert.equal(standIn.answers.length, 0, 'an answer the previous test did not use');
  });

  test('on the wire: each event named by an event: line, and no [DONE] after the last (OpenAI sends none on this stream)', async () => {
    standIn.answers.push({ output: { text: 'Hi there' } });
    const response = await fetch(`${baseURL}/responses`, { method: 'POST', body: JSON.stringify({ model: 'm', input: 'Hi', stream: true }) });
    assert.match(response.headers.get('content-type') ?? '', /^text\/event-stream/);
    const frames = (await response.text()).split('\n\n').filter((frame) => frame !== '');
    assert.match(frames[0]!, /^event: response\.created\ndata: \{"type":"response\.created","sequence_number":0,/);
    assert.match(frames.at(-1)!, /^event: response\.completed\ndata: /);
    for (const frame of frames) assert.equal(/^event: (.+)$/m.exec(frame)?.[1], JSON.parse(frame.split('data: ')[1]!).type);
  });

  describe('openai', () => {
    const client = () => new OpenAI({ baseURL, apiKey: 'k', maxRetries: 0 });

    test('responses.create: output_text, usage, the aitbc extra', async () => {
      standIn.answers.push({ output: { text: TEXT } });
      const response = await client().responses.create({ model: 'm', input: 'Hi', instructions: 'Be brief' });
      assert.equal(response.output_text, TEXT);
      assert.equal(response.usage?.total_tokens, 5 + 5);
      const { aitbc } = response as unknown as { aitbc: { job_id: string; receipt_id: string; price: string } };
      assert.deepEqual([`resp_${aitbc.job_id}`, aitbc.price], [response.id, '0.000010']);
      assert.match(aitbc.receipt_id, /^rcpt-/);
      assert.deepEqual(standIn.requests[0]!.input.messages, [{ role: 'system', content: 'Be brief' }, { role: 'user', content: 'Hi' }]);
    });

    test('responses.create streamed: the deltas make the text; the last event is response.completed with the whole response', async () => {
      standIn.answers.push({ output: { text: TEXT } });
      const events = [];
      for await (const event of await client().responses.create({ model: 'm', input: 'Hi', stream: true })) events.push(event);
      assert.equal(events.flatMap((event) => (event.type === 'response.output_text.delta' ? [event.delta] : [])).join(''), TEXT);
      const last = events.at(-1)!;
      assert.ok(last.type === 'response.completed');
      assert.deepEqual(last.response.output[0], { type: 'message', id: `msg_${last.response.id.slice('resp_'.length)}`, status: 'completed', role: 'assistant', content: [{ type: 'output_text', text: TEXT, annotations: [] }] });
    });

    test('responses.stream helper: finalResponse holds the tool call', async () => {
      standIn.answers.push({ output: { text: '', tool_calls: [toolCall('Paris')] } });
      const final = await client().responses.stream({ model: 'm', input: 'Weather?', tools: [{ ...weatherTool, strict: false } as OpenAI.Responses.FunctionTool] }).finalResponse();
      assert.deepEqual(final.output.map((item) => item.type === 'function_call' && [item.call_id, item.name, item.arguments]), [['call_Paris', 'weather', '{"city":"Paris"}']]);
    });

    test('a stream that fails ends with an error event the client throws as an APIError with our code', async () => {
      standIn.answers.push({ output: { text: TEXT }, failWith: new ApiError('JOB_EXPIRED', 'No miner took the job in time; submit it again') });
      const stream = await client().responses.create({ model: 'm', input: 'Hi', stream: true });
      await assert.rejects(
        async () => {
          for await (const _ of stream);
        },
        (error: unknown) => error instanceof OpenAI.APIError && error.code === 'JOB_EXPIRED' && /No miner took the job/.test(error.message),
      );
    });

    test('a refusal reaches the client as an APIError naming the parameter', async () => {
      await assert.rejects(client().responses.create({ model: 'm', input: 'Hi', previous_response_id: 'resp_1' }), (error: unknown) => error instanceof OpenAI.APIError && error.status === 422 && error.param === 'previous_response_id');
    });
  });

  describe('AI SDK, default openai(model)', () => {
    const model = () => createOpenAI({ baseURL, apiKey: 'k' })('m');

    test('generateText: the text and the usage', async () => {
      standIn.answers.push({ output: { text: TEXT } });
      const result = await generateText({ model: model(), system: 'Be brief', prompt: 'Hi', maxRetries: 0, temperature: 0.3, maxOutputTokens: 100 });
      assert.equal(result.text, TEXT);
      assert.equal(result.finishReason, 'stop');
      assert.deepEqual([result.usage.inputTokens, result.usage.outputTokens], [5, 5]);
      assert.deepEqual(standIn.requests[0]!.params, { max_tokens: 100, temperature: 0.3 });
    });

    test('streamText: the streamed text; an answer cut at the limit finishes with length', async () => {
      standIn.answers.push({ output: { text: TEXT }, truncated: true });
      const result = streamText({ model: model(), prompt: 'Hi', maxRetries: 0 });
      let text = '';
      for await (const piece of result.textStream) text += piece;
      assert.equal(text, TEXT);
      assert.equal(await result.finishReason, 'length');
    });

    test('generateText with a required tool: the tool call, and its definition reached the job', async () => {
      standIn.answers.push({ output: { text: '', tool_calls: [toolCall('Paris')] } });
      const result = await generateText({ model: model(), prompt: 'Weather in Paris?', maxRetries: 0, toolChoice: 'required', tools: { weather: tool({ description: 'Weather in a city', inputSchema: z.object({ city: z.string() }) }) } });
      assert.deepEqual(
        result.toolCalls.map((call) => [call.toolCallId, call.toolName, call.input]),
        [['call_Paris', 'weather', { city: 'Paris' }]],
      );
      const input = standIn.requests[0]!.input;
      assert.equal(input.tool_choice, 'required');
      assert.equal(input.tools?.[0]?.function.name, 'weather');
    });

    test('a tool loop: the second step sends the tool result and refers to the first answer by item_reference, which resolves', async () => {
      standIn.answers.push({ output: { text: 'Let me check.', tool_calls: [toolCall('Paris')] } }, { output: { text: 'It is 20 degrees in Paris.' } });
      const result = await generateText({
        model: model(),
        prompt: 'Weather in Paris?',
        maxRetries: 0,
        stopWhen: stepCountIs(2),
        tools: { weather: tool({ description: 'Weather in a city', inputSchema: z.object({ city: z.string() }), execute: async () => ({ celsius: 20 }) }) },
      });
      assert.equal(result.text, 'It is 20 degrees in Paris.');
      const second = standIn.bodies[1] as { input: { type?: string }[] };
      assert.ok(second.input.some((item) => item.type === 'item_reference'), 'the AI SDK refers to stored items by default');
      assert.deepEqual(standIn.requests[1]!.input.messages, [
        { role: 'user', content: [{ type: 'text', text: 'Weather in Paris?' }] },
        { role: 'assistant', content: [{ type: 'text', text: 'Let me check.' }], tool_calls: [toolCall('Paris')] },
        { role: 'tool', tool_call_id: 'call_Paris', content: '{"celsius":20}' },
      ]);
    });

    test('a failed stream reaches onError with our message', async () => {
      standIn.answers.push({ output: { text: TEXT }, failWith: new ApiError('JOB_EXPIRED', 'No miner took the job in time; submit it again') });
      const errors: unknown[] = [];
      const result = streamText({ model: model(), prompt: 'Hi', maxRetries: 0, onError: ({ error }) => void errors.push(error) });
      for await (const _ of result.fullStream);
      // AI SDK 7 wraps it in a StreamProviderError, 6 passes the event's error object: the same message and code.
      assert.equal(errors.length, 1);
      const { message, code } = errors[0] as { message?: string; code?: string };
      assert.deepEqual([message, code], ['No miner took the job in time; submit it again', 'JOB_EXPIRED']);
    });
  });

  describe('LangChain ChatOpenAI, useResponsesApi', () => {
    const chat = () => new ChatOpenAI({ model: 'm', apiKey: 'k', configuration: { baseURL }, useResponsesApi: true, maxRetries: 0 });
    const weather = { name: 'weather', description: 'Weather in a city', schema: z.object({ city: z.string() }) };

    test('invoke: the text and usage', async () => {
      standIn.answers.push({ output: { text: TEXT } });
      const message = await chat().invoke([['system', 'Be brief'], ['human', 'Hi']]);
      assert.equal(message.text, TEXT);
      assert.equal(message.usage_metadata?.total_tokens, 10);
      assert.deepEqual(standIn.requests[0]!.input.messages, [{ role: 'system', content: 'Be brief' }, { role: 'user', content: 'Hi' }]);
    });

    test('stream: the chunks make the text', async () => {
      standIn.answers.push({ output: { text: TEXT } });
      let text = '';
      for await (const chunk of await chat().stream('Hi')) text += chunk.text;
      assert.equal(text, TEXT);
    });

    test('bindTools: the tool call; the tool result sent back is accepted', async () => {
      standIn.answers.push({ output: { text: '', tool_calls: [toolCall('Paris')] } }, { output: { text: 'It is 20 degrees.' } });
      const model = chat().bindTools([weather]);
      const asked = await model.invoke('Weather in Paris?');
      assert.deepEqual(
        asked.tool_calls?.map((call) => [call.id, call.name, call.args]),
        [['call_Paris', 'weather', { city: 'Paris' }]],
      );
      const answered = await model.invoke(['Weather in Paris?', asked, new ToolMessage({ tool_call_id: 'call_Paris', content: '{"celsius":20}' })]);
      assert.equal(answered.text, 'It is 20 degrees.');
      const messages = standIn.requests[1]!.input.messages;
      assert.deepEqual(messages.at(-1), { role: 'tool', tool_call_id: 'call_Paris', content: '{"celsius":20}' });
      assert.deepEqual(messages.at(-2)?.tool_calls, [toolCall('Paris')]);
    });

    test('stream with bindTools: the tool call chunks add up to the call', async () => {
      standIn.answers.push({ output: { text: '', tool_calls: [toolCall('Rome')] } });
      let whole: AIMessage | undefined;
      for await (const chunk of await chat().bindTools([weather]).stream('Weather in Rome?')) whole = whole ? (whole as never as { concat(c: unknown): AIMessage }).concat(chunk) : chunk;
      assert.deepEqual(whole?.tool_calls?.map((call) => [call.name, call.args]), [['weather', { city: 'Rome' }]]);
    });

    test('withStructuredOutput: a json_schema format, parsed', async () => {
      standIn.answers.push({ output: { text: '{"city":"Paris"}' } });
      const parsed = await chat().withStructuredOutput(z.object({ city: z.string() })).invoke('Where?');
      assert.deepEqual(parsed, { city: 'Paris' });
      assert.equal(standIn.requests[0]!.input.response_format?.type, 'json_schema');
    });
  });
});
