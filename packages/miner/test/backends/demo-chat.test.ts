// The demo backend's chat side, what makes tools, structured output and embeddings testable
// without a GPU: a deterministic tool call whose arguments fit the tool's schema, the tool's
// answer reaching the next turn, JSON that parses and fits the requested schema, and
// demo-embed's normalised vectors.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Ajv } from 'ajv';
import type { ChatInput, ChatMessage, ToolDefinition } from '@aitbc/protocol';
import { DemoBackend, countTokens } from '../../src/backends/demo.ts';
import { collect, rejectsWith } from './fake-server.ts';

const backend = new DemoBackend();
const chat = (input: ChatInput, extra: { seed?: number; maxTokens?: number; stop?: string[] } = {}) => collect(backend.generate({ model: 'demo', input: { kind: 'chat', input }, ...extra }));
const ajv = new Ajv({ strict: false, validateFormats: false });
const fits = (schema: object, value: unknown) => {
  const validate = ajv.compile(schema);
  assert.ok(validate(value), `${JSON.stringify(value)} does not fit: ${ajv.errorsText(validate.errors)}`);
};

/** A schema as zod-to-json-schema and pydantic write them: refs, nullable unions, enums, bounds, nested arrays. */
const BOOKING = {
  type: 'object',
  properties: {
    city: { type: 'string', minLength: 2 },
    unit: { type: 'string', enum: ['celsius', 'fahrenheit'] },
    nights: { type: 'integer', minimum: 2, maximum: 14 },
    budget: { type: 'number', exclusiveMinimum: 0 },
    breakfast: { type: 'boolean' },
    guest: { $ref: '#/$defs/Guest' },
    tags: { type: 'array', items: { type: 'string' }, minItems: 2 },
    note: { anyOf: [{ type: 'null' }, { type: 'string', maxLength: 5 }] },
    kind: { oneOf: [{ const: 'hotel' }, { const: 'hostel' }] },
    rooms: { type: 'array', items: { $ref: '#/definitions/Room' } },
  },
  required: ['city', 'unit', 'nights', 'budget', 'breakfast', 'guest', 'tags', 'note', 'kind', 'rooms'],
  additionalProperties: false,
  $defs: { Guest: { type: 'object', properties: { name: { type: 'string' }, age: { type: ['integer', 'null'], minimum: 18 } }, required: ['name', 'age'], additionalProperties: false } },
  definitions: { Room: { type: 'object', properties: { beds: { type: 'integer', minimum: 1 }, view: { type: 'string', enum: ['sea', 'city'] } }, required: ['beds', 'view'] } },
};
const TOOLS: ToolDefinition[] = [
  { type: 'function', function: { name: 'book', description: 'Book a stay', parameters: BOOKING } },
  { type: 'function', function: { name: 'get_time', parameters: { type: 'object', properties: { zone: { type: 'string' } }, required: ['zone'] } } },
];
const ASK: ChatMessage[] = [
  { role: 'system', content: 'You book stays.' },
  { role: 'user', content: 'Book Paris for three nights, please.' },
];

test('offers tools and JSON output on demo, embeddings on demo-embed', async () => {
  assert.deepEqual(await backend.capabilities(), {
    demo: { capabilities: ['completion', 'chat', 'tools', 'json_mode', 'json_schema'] },
    'demo-embed': { capabilities: ['embeddings'] },
  });
  assert.deepEqual(Object.keys(await backend.capabilities(['demo', 'llama3.2'])), ['demo']);
});

test('with tools, a tool call to the first tool whose arguments fit its schema, and no text', async () => {
  const result = await chat({ messages: ASK, tools: TOOLS }, { seed: 11 });
  assert.equal(result.text, '');
  assert.equal(result.toolCalls!.length, 1);
  const [call] = result.toolCalls!;
  assert.equal(call!.function.name, 'book');
  const args = JSON.parse(call!.function.arguments) as Record<string, unknown>;
  fits(BOOKING, args);
  assert.equal(args['unit'], 'celsius');
  assert.equal(args['nights'], 2);
  assert.equal((args['tags'] as unknown[]).length, 2);
  // Strings are made of the user's words.
  const words = new Set('Book Paris for three nights please'.split(' '));
  for (const word of String(args['city']).split(' ')) assert.ok(words.has(word), `${word} is not from the user's message`);
  assert.ok(result.usage!.completionTokens > 0);
});

test('the tool call is deterministic for a seed; tool_choice picks the tool; none means text', async () => {
  const first = await chat({ messages: ASK, tools: TOOLS }, { seed: 11 });
  assert.deepEqual(await chat({ messages: ASK, tools: TOOLS }, { seed: 11 }), first);
  const named = await chat({ messages: ASK, tools: TOOLS, tool_choice: { type: 'function', function: { name: 'get_time' } } }, { seed: 11 });
  assert.equal(named.toolCalls![0]!.function.name, 'get_time');
  fits(TOOLS[1]!.function.parameters!, JSON.parse(named.toolCalls![0]!.function.arguments));
  const none = await chat({ messages: ASK, tools: TOOLS, tool_choice: 'none' }, { seed: 11 });
  assert.equal(none.toolCalls, undefined);
  assert.ok(none.text.length > 0);
  await rejectsWith(chat({ messages: ASK, tools: TOOLS, tool_choice: { type: 'function', function: { name: 'fly' } } }), 'rejected', /no tool named "fly"/);
});

test("after a tool result, text that begins with the tool's answer", async () => {
  const call = (await chat({ messages: ASK, tools: TOOLS }, { seed: 3 })).toolCalls![0]!;
  const messages: ChatMessage[] = [...ASK, { role: 'assistant', content: null, tool_calls: [call] }, { role: 'tool', tool_call_id: call.id, content: 'Booked: Hotel Lutetia, confirmation 4711.' }];
  const result = await chat({ messages, tools: TOOLS }, { seed: 3, maxTokens: 12 });
  assert.equal(result.toolCalls, undefined);
  assert.ok(result.text.startsWith('Booked: Hotel Lutetia, confirmation 4711.'), result.text);
  assert.equal(countTokens(result.text), 12);
  assert.equal(result.usage!.completionTokens, 12);
});

test('json_object gives a JSON object, streamed in pieces, deterministic for a seed', async () => {
  const result = await chat({ messages: ASK, response_format: { type: 'json_object' } }, { seed: 5, maxTokens: 10, stop: ['the'] });
  const value = JSON.parse(result.text) as { text: string };
  assert.equal(typeof value.text, 'string');
  assert.equal(countTokens(value.text), 10, 'stop strings do not cut the JSON open');
  assert.ok(result.pieces.length > 1);
  assert.deepEqual(await chat({ messages: ASK, response_format: { type: 'json_object' } }, { seed: 5, maxTokens: 10, stop: ['the'] }), result);
});

test('json_schema gives JSON that fits the schema', async () => {
  for (const seed of [1, 2, 3]) {
    const result = await chat({ messages: ASK, response_format: { type: 'json_schema', json_schema: { name: 'booking', schema: BOOKING, strict: true } } }, { seed });
    fits(BOOKING, JSON.parse(result.text));
  }
  // A recursive type ends.
  const tree = { $ref: '#/$defs/Node', $defs: { Node: { type: 'object', properties: { name: { type: 'string' }, children: { type: 'array', items: { $ref: '#/$defs/Node' } } }, required: ['name', 'children'] } } };
  fits(tree, JSON.parse((await chat({ messages: ASK, response_format: { type: 'json_schema', json_schema: { name: 'tree', schema: tree } } })).text));
});

test('a system message alone or a conversation without tools is answered with text', async () => {
  const result = await chat({ messages: [{ role: 'system', content: 'Be nice.' }] }, { seed: 1, maxTokens: 5 });
  assert.equal(countTokens(result.text), 5);
});

test('demo-embed: deterministic unit vectors, 64 dimensions or as asked, closer for shared words', async () => {
  const texts = ['the white rabbit ran', 'the white rabbit', 'a queen of hearts', ''];
  const { embeddings, usage } = await backend.embed({ model: 'demo-embed', input: texts });
  assert.deepEqual(usage, { promptTokens: 11, completionTokens: 0 });
  assert.equal(embeddings.length, 4);
  for (const vector of embeddings) {
    assert.equal(vector.length, 64);
    assert.ok(Math.abs(Math.hypot(...vector) - 1) < 1e-9);
  }
  assert.deepEqual((await backend.embed({ model: 'demo-embed', input: texts })).embeddings, embeddings);
  const cosine = (a: number[], b: number[]) => a.reduce((sum, x, i) => sum + x * b[i]!, 0);
  assert.ok(cosine(embeddings[0]!, embeddings[1]!) > cosine(embeddings[0]!, embeddings[2]!));
  assert.equal((await backend.embed({ model: 'demo-embed', input: ['x'], dimensions: 8 })).embeddings[0]!.length, 8);
  await rejectsWith(backend.embed({ model: 'demo-embed', input: ['x'], dimensions: 0 }), 'rejected', /dimensions/);
  await rejectsWith(backend.embed({ model: 'demo', input: ['x'] }), 'rejected', /use "demo-embed"/);
});
