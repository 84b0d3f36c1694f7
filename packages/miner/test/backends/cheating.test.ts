// CheatingBackend: the test-only dishonest miner. Each mode changes the demo's output as it says,
// on the seeded share of jobs it is configured for, and leaves every other job byte-identical.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CHEAT_MODES, CheatingBackend, type CheatMode, type CheatingOptions } from '../../src/backends/cheating.ts';
import { DemoBackend, countTokens, demoVocabulary } from '../../src/backends/demo.ts';
import type { GenerateRequest } from '../../src/backends/backend.ts';
import { collect, rejectsWith } from './fake-server.ts';

const honestBackend = new DemoBackend();
const vocabulary = new Set(demoVocabulary());

/** Job n of a run: varied prompts, seeds and sampling, all deterministic. */
function job(n: number): GenerateRequest {
  return { model: 'demo', input: { kind: 'text', input: { prompt: `Alice said ${n % 7 === 0 ? 'nothing' : 'the Queen'} to job ${n}` } }, seed: n * 31 + 5, maxTokens: 6 + (n % 11), temperature: n % 3 === 0 ? 0 : 0.8 };
}

const honest = (request: GenerateRequest) => collect(honestBackend.generate(request));

/** Runs jobs 1..count through a fresh cheating backend, with what the honest demo answers beside each. */
async function runJobs(options: CheatingOptions, count: number) {
  const told: { ordinal: number; cheat: CheatMode | null }[] = [];
  const cheater = new CheatingBackend(new DemoBackend(), { ...options, onJob: (info) => told.push(info) });
  const results = [];
  for (let n = 1; n <= count; n++) {
    results.push({ request: job(n), got: await collect(cheater.generate(job(n))), want: await honest(job(n)) });
  }
  return { results, told };
}

test('presents itself as the wrapped backend: same kind, models and advertised digests', async () => {
  const cheater = new CheatingBackend(new DemoBackend(), { mode: 'random' });
  assert.equal(cheater.name, 'demo');
  assert.deepEqual(await cheater.listModels(), await honestBackend.listModels());
  assert.deepEqual(await cheater.modelDigests(), await honestBackend.modelDigests());
});

test('rate 0 never cheats: every job byte-identical to the plain demo backend, usage and pieces too', async () => {
  for (const mode of CHEAT_MODES) {
    const { results, told } = await runJobs({ mode, rate: 0, seed: 3 }, 60);
    for (const { got, want } of results) assert.deepEqual(got, want);
    assert.ok(told.every(({ cheat }) => cheat === null));
  }
});

test('wrong-model at rate 1: every answer differs, is demo-like text billed as itself, and is the same for the same request', async () => {
  const { results, told } = await runJobs({ mode: 'wrong-model', seed: 9 }, 60);
  for (const { request, got, want } of results) {
    assert.notEqual(got.text, want.text, `job ${request.seed}`);
    assert.ok(countTokens(got.text) <= request.maxTokens!);
    assert.ok(got.text.match(/\S+/g)!.every((word) => vocabulary.has(word)));
    assert.deepEqual(got.usage, { promptTokens: want.usage!.promptTokens, completionTokens: countTokens(got.text) });
  }
  assert.ok(told.every(({ cheat }) => cheat === 'wrong-model'));
  // A model, not noise: the same request (even as a later job) gets the same wrong answer.
  const again = new CheatingBackend(new DemoBackend(), { mode: 'wrong-model', seed: 9 });
  await collect(again.generate(job(99)));
  assert.equal((await collect(again.generate(job(1)))).text, results[0]!.got.text);
});

test('truncate at rate 1: every answer is the first half of the honest words, billed as the smaller usage', async () => {
  const { results } = await runJobs({ mode: 'truncate', seed: 9 }, 60);
  for (const { got, want } of results) {
    const words = want.text.match(/\s*\S+/g)!;
    const kept = Math.floor(words.length / 2);
    assert.equal(got.text, words.slice(0, kept).join(''));
    assert.ok(want.text.startsWith(got.text) && got.text.length < want.text.length);
    assert.deepEqual(got.usage, { promptTokens: want.usage!.promptTokens, completionTokens: kept });
  }
});

test('random at rate 1: as many words as the honest answer, none of its sense, billed the same', async () => {
  const { results } = await runJobs({ mode: 'random', seed: 9 }, 60);
  for (const { got, want } of results) {
    assert.notEqual(got.text, want.text);
    assert.equal(countTokens(got.text), countTokens(want.text));
    assert.ok(got.text.match(/\S+/g)!.every((word) => vocabulary.has(word)));
    assert.deepEqual(got.usage, want.usage);
  }
  // Random across jobs, reproducible for a seed: not one word list repeated.
  assert.ok(new Set(results.map(({ got }) => got.text.split(' ')[1])).size > 40);
  const replay = await runJobs({ mode: 'random', seed: 9 }, 60);
  assert.deepEqual(replay.results.map(({ got }) => got.text), results.map(({ got }) => got.text));
});

test('rate 0.1 cheats on about 10 % of 1,000 jobs (within 4 binomial standard deviations) and nowhere else', async () => {
  const jobs = 1_000;
  const rate = 0.1;
  // Binomial(1000, 0.1): mean 100, sd √(1000·0.1·0.9) ≈ 9.5; outside ±4 sd has odds of about 6e-5.
  const tolerance = 4 * Math.sqrt(jobs * rate * (1 - rate));
  const picks: number[][] = [];
  for (const seed of [1, 2]) {
    const { results, told } = await runJobs({ mode: 'random', rate, seed }, jobs);
    const cheated = told.filter(({ cheat }) => cheat !== null).map(({ ordinal }) => ordinal);
    assert.ok(Math.abs(cheated.length - jobs * rate) <= tolerance, `seed ${seed}: ${cheated.length} of ${jobs} jobs cheated on`);
    // What it says it did is what it did: changed exactly on those jobs, byte-identical elsewhere.
    results.forEach(({ got, want }, index) => {
      if (cheated.includes(index + 1)) assert.notEqual(got.text, want.text);
      else assert.deepEqual(got, want);
    });
    picks.push(cheated);
  }
  assert.notDeepEqual(picks[0], picks[1], 'another seed picks other jobs');
});

test('--cheat-after: a clean record of n honest jobs, then cheating at the rate', async () => {
  const { results, told } = await runJobs({ mode: 'truncate', after: 25, seed: 4 }, 40);
  results.forEach(({ got, want }, index) => {
    if (index < 25) assert.deepEqual(got, want, `job ${index + 1} is honest`);
    else assert.notEqual(got.text, want.text, `job ${index + 1} is cut`);
  });
  assert.deepEqual(told.map(({ cheat }) => cheat !== null), Array.from({ length: 40 }, (_, index) => index >= 25));
});

test('an aborted job stays aborted and the backend still refuses models it lacks', async () => {
  const controller = new AbortController();
  controller.abort(new Error('client left'));
  for (const mode of CHEAT_MODES) {
    const cheater = new CheatingBackend(new DemoBackend(), { mode });
    await rejectsWith(collect(cheater.generate({ ...job(1), signal: controller.signal })), 'aborted');
    await rejectsWith(collect(cheater.generate({ ...job(1), model: 'llama3.2' })), 'model_not_found');
  }
});

test('refuses settings it cannot honour', () => {
  const demo = new DemoBackend();
  assert.throws(() => new CheatingBackend(demo, { mode: 'sloppy' as CheatMode }), RangeError);
  for (const rate of [-0.1, 1.01, Number.NaN]) assert.throws(() => new CheatingBackend(demo, { mode: 'random', rate }), /rate/);
  for (const after of [-1, 1.5]) assert.throws(() => new CheatingBackend(demo, { mode: 'random', after }), /after/);
  assert.throws(() => new CheatingBackend(demo, { mode: 'random', vocabulary: [] }), /vocabulary/);
  assert.throws(() => new CheatingBackend(demo, { mode: 'random', vocabulary: ['two words'] }), /vocabulary/);
});
