import assert from 'node:assert/strict';
import { test } from 'node:test';
import { judgeRuns } from './majority.ts';

const DIGEST = `sha256:${'a'.repeat(64)}`;
const by = (minerId: string, output: string, backend = 'demo') => ({ minerId, run: { output, completionTokens: output.split(' ').length, backend, modelDigest: DIGEST } });

test('a claimed run and a re-run that agree pass both', () => {
  assert.deepEqual(judgeRuns([by('s', 'a b c'), by('v', 'a b c')], {}), { kind: 'agreed', passed: ['s', 'v'] });
});

test('a disagreement asks for runs until three agree against one', () => {
  assert.equal(judgeRuns([by('s', 'wrong'), by('v', 'right')], {}).kind, 'need_run');
  assert.equal(judgeRuns([by('s', 'wrong'), by('v', 'right'), by('t', 'right')], {}).kind, 'need_run', 'one agreeing pair is not enough');
  const judged = judgeRuns([by('s', 'wrong'), by('v', 'right'), by('t', 'right'), by('u', 'right')], {});
  assert.equal(judged.kind, 'decided');
  assert.deepEqual(judged.kind === 'decided' && [judged.failed, judged.passed], [['s'], ['v', 't', 'u']]);
});

test('two cheaters writing the same wrong text cannot fail an honest miner', () => {
  const honest = by('honest', 'the right answer');
  const judged = judgeRuns([honest, by('c1', 'same cheap text'), by('c2', 'same cheap text'), by('h2', 'the right answer')], {});
  assert.equal(judged.kind, 'inconclusive');
});

test('the verifier is the one that fails when the other three agree', () => {
  const judged = judgeRuns([by('s', 'x y'), by('v', 'bad'), by('t', 'x y'), by('u', 'x y')], {});
  assert.deepEqual(judged.kind === 'decided' && judged.failed, ['v']);
});

test('three different answers, or runs that cannot be compared, decide nothing', () => {
  assert.equal(judgeRuns([by('s', 'a'), by('v', 'b'), by('t', 'c')], {}).kind, 'inconclusive');
  assert.equal(judgeRuns([by('s', 'a b', 'ollama'), by('v', 'c d', 'openai')], { temperature: 0.7 }).kind, 'inconclusive');
});
