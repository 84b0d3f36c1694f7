// DemoBackend: a deterministic word chain over the bundled Alice text, behaving like a stream.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { DemoBackend, countTokens } from '../../src/backends/demo.ts';
import type { GenerateRequest } from '../../src/backends/backend.ts';
import { collect, rejectsWith, textInput } from './fake-server.ts';

const backend = new DemoBackend();
const corpus = readFileSync(new URL('../../assets/alice.txt', import.meta.url), 'utf8');
const corpusWords = new Set(corpus.split('\n').filter((line) => !line.startsWith('#')).join(' ').split(/\s+/));
const run = ({ prompt = 'Tell me a story', ...request }: Partial<Omit<GenerateRequest, 'input'>> & { prompt?: string }) => collect(backend.generate({ model: 'demo', input: textInput(prompt), ...request }));

test('counts whitespace-separated words as tokens', () => {
  assert.equal(countTokens(''), 0);
  assert.equal(countTokens('   '), 0);
  assert.equal(countTokens(' Alice was\nbeginning\t to'), 4);
});

test('the bundled text names its source and public-domain status', () => {
  assert.match(corpus.split('\n')[0]!, /^# .*Lewis Carroll.*1865.*[Pp]ublic domain/);
  assert.ok(corpus.length > 4000);
});

test('offers the demo model and demo-embed, and refuses any other', async () => {
  assert.equal(backend.name, 'demo');
  assert.deepEqual(await backend.listModels(), ['demo', 'demo-embed']);
  await rejectsWith(run({ model: 'llama3.2' }), 'model_not_found');
  await rejectsWith(run({ model: 'demo-embed' }), 'rejected', /only makes embeddings/);
});

test("the demo model's digest is the SHA-256 of the corpus it ships; demo-embed has one of its own", async () => {
  const corpus = readFileSync(new URL('../../assets/alice.txt', import.meta.url));
  const digests = await new DemoBackend().modelDigests();
  assert.equal(digests.demo, `sha256:${createHash('sha256').update(corpus).digest('hex')}`);
  assert.match(digests['demo-embed']!, /^sha256:[0-9a-f]{64}$/);
  assert.notEqual(digests['demo-embed'], digests.demo);
});

test('is deterministic for a seed and differs between seeds', async () => {
  const first = await run({ seed: 42 });
  assert.deepEqual(await run({ seed: 42 }), first);
  const others = await Promise.all([1, 2, 3].map((seed) => run({ seed })));
  assert.ok(others.every((other) => other.text !== first.text));
  assert.notEqual(others[0]!.text, others[1]!.text);
});

test('without a seed the same prompt gives the same output', async () => {
  assert.equal((await run({ prompt: 'Once upon a time' })).text, (await run({ prompt: 'Once upon a time' })).text);
  assert.notEqual((await run({ prompt: 'Once upon a time' })).text, (await run({ prompt: 'Something else entirely' })).text);
});

test('yields one piece per word with its leading space, then usage in words', async () => {
  const result = await run({ seed: 5, maxTokens: 20, prompt: 'Four words of prompt' });
  assert.equal(result.pieces.length, 20);
  for (const piece of result.pieces) assert.match(piece, /^ \S+$/);
  assert.deepEqual(result.usage, { promptTokens: 4, completionTokens: 20 });
  assert.equal(result.doneCount, 1);
});

test('honours maxTokens, with 64 by default', async () => {
  assert.equal(countTokens((await run({ seed: 1, maxTokens: 7 })).text), 7);
  assert.equal(countTokens((await run({ seed: 1 })).text), 64);
  const none = await run({ seed: 1, maxTokens: 0 });
  assert.deepEqual(none.pieces, []);
  assert.deepEqual(none.usage, { promptTokens: 4, completionTokens: 0 });
});

test('stops before the first stop string', async () => {
  const full = (await run({ seed: 9, maxTokens: 40 })).text;
  const words = full.trim().split(' ');
  const stop = `${words[10]} ${words[11]}`; // spans two pieces
  const cut = await run({ seed: 9, maxTokens: 40, stop: ['never-appears', stop] });
  assert.equal(cut.text, full.slice(0, full.indexOf(stop)));
  assert.ok(!cut.text.includes(stop));
  assert.equal(cut.usage!.completionTokens, countTokens(cut.text));
});

test('output is made of words from the bundled text', async () => {
  for (const seed of [1, 2, 3, 4]) {
    for (const word of (await run({ seed, maxTokens: 50 })).text.trim().split(' ')) assert.ok(corpusWords.has(word), `${word} is not in the text`);
  }
});

test('continues from the prompt\'s last words when the text knows them', async () => {
  const result = await run({ prompt: 'Alice was beginning to get very', temperature: 0, maxTokens: 6 });
  assert.equal(result.text, ' tired of sitting by her sister');
});

test('temperature 0 always takes the most frequent continuation, whatever the seed', async () => {
  const a = await run({ seed: 1, temperature: 0, prompt: 'Down, down,' });
  const b = await run({ seed: 2, temperature: 0, prompt: 'Down, down,' });
  assert.equal(a.text, b.text);
  assert.match(a.text, /^ down\./);
});

test('streams asynchronously and stops on abort', async () => {
  const controller = new AbortController();
  const seen: string[] = [];
  const pending = (async () => {
    for await (const event of backend.generate({ model: 'demo', input: textInput('Hi'), maxTokens: 1000, signal: controller.signal })) {
      if (event.type === 'text') seen.push(event.text);
      if (seen.length === 3) controller.abort();
    }
  })();
  await rejectsWith(pending, 'aborted');
  assert.equal(seen.length, 3);
  // An already aborted signal produces nothing.
  await rejectsWith(collect(backend.generate({ model: 'demo', input: textInput('Hi'), signal: AbortSignal.abort() })), 'aborted');
});

test('a long allowance ends at a sentence end past 64 words, not at max_tokens; 64 or fewer run to the limit as before', async () => {
  const long = await collect(backend.generate({ model: 'demo', input: textInput('Alice was beginning'), maxTokens: 1000, seed: 7 }));
  const words = long.text.trim().split(/\s+/);
  assert.ok(words.length >= 64 && words.length < 1000, `${words.length} words`);
  assert.match(words.at(-1)!, /[.!?]["')]?$/);
  const short = await collect(backend.generate({ model: 'demo', input: textInput('Alice was beginning'), maxTokens: 64, seed: 7 }));
  assert.equal(short.text.trim().split(/\s+/).length, 64);
  assert.ok(long.text.startsWith(short.text), 'the same words, only ended sooner');
});
