import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compareRuns, MIN_LENGTH_SHARE, PREFIX_WORDS } from './compare.ts';
import { afterCheck, GOOD_STANDING, resumed } from './pause.ts';
import { checkRates, mayVerify, planChecks } from './sampling.ts';
import { checkVerificationSettings, DEFAULT_VERIFICATION } from './settings.ts';

const DIGEST = `sha256:${'a'.repeat(64)}`;
const run = (output: string, backend = 'demo', completionTokens = output.split(' ').length) => ({ output, completionTokens, backend, modelDigest: DIGEST });

test('demo runs must be byte-identical; one changed character is a disagreement', () => {
  assert.equal(compareRuns(run('the cat sat'), run('the cat sat'), {}).verdict, 'agree');
  const outcome = compareRuns(run('the cat sat.'), run('the cat sat'), {});
  assert.deepEqual([outcome.verdict, outcome.rule], ['disagree', 'exact']);
  assert.match(outcome.detail, /character 11/);
});

test('a run on other weights disagrees whatever its text', () => {
  const other = { ...run('same'), modelDigest: `sha256:${'b'.repeat(64)}` };
  assert.equal(compareRuns(other, run('same'), {}).verdict, 'disagree');
});

test('real backends agree on a shared prefix and a comparable length; truncation and other text disagree', () => {
  const reference = run(Array.from({ length: 60 }, (_, i) => `w${i}`).join(' '), 'ollama');
  const sameStartLaterDrift = run(`${reference.output.split(' ').slice(0, PREFIX_WORDS).join(' ')} drifted words here and more`, 'ollama', 60);
  assert.equal(compareRuns(sameStartLaterDrift, reference, {}).verdict, 'agree');
  const truncated = run(reference.output.split(' ').slice(0, 40).join(' '), 'ollama');
  assert.ok(truncated.completionTokens < MIN_LENGTH_SHARE * reference.completionTokens);
  assert.equal(compareRuns(truncated, reference, {}).verdict, 'disagree');
  assert.equal(compareRuns(truncated, reference, { max_tokens: 40 }).verdict, 'agree', 'stopping at max_tokens is not truncation');
  assert.equal(compareRuns(run('something else entirely', 'ollama', 60), reference, {}).verdict, 'disagree');
});

test('sampled runs on different backend kinds are inconclusive; greedy ones are compared', () => {
  assert.equal(compareRuns(run('a b', 'ollama'), run('c d', 'openai'), { temperature: 0.7 }).verdict, 'inconclusive');
  assert.equal(compareRuns(run('a b', 'ollama'), run('c d', 'openai'), { temperature: 0 }).verdict, 'disagree');
});

test('probation checks more often; trusted miners are never checked', () => {
  assert.deepEqual(checkRates({ jobsSinceProbation: 0, trusted: false }, DEFAULT_VERIFICATION), { reexecution: 0.2, canary: 0.1 });
  assert.deepEqual(checkRates({ jobsSinceProbation: 50, trusted: false }, DEFAULT_VERIFICATION), { reexecution: 0.02, canary: 0.005 });
  assert.deepEqual(checkRates({ jobsSinceProbation: 0, trusted: true }, DEFAULT_VERIFICATION), { reexecution: 0, canary: 0 });
});

test('a client asking for verify is always re-executed at its cost; check runs are never re-executed', () => {
  const never = () => 0.999;
  const miner = { jobsSinceProbation: 1000, trusted: false };
  assert.equal(planChecks({ purpose: 'client', verifyRequested: true, miner }, DEFAULT_VERIFICATION, never).reexecute, 'client');
  assert.equal(planChecks({ purpose: 'client', verifyRequested: false, miner }, DEFAULT_VERIFICATION, never).reexecute, null);
  assert.equal(planChecks({ purpose: 'client', verifyRequested: false, miner }, DEFAULT_VERIFICATION, () => 0).reexecute, 'operator');
  assert.equal(planChecks({ purpose: 'reexecution', verifyRequested: false, miner }, DEFAULT_VERIFICATION, () => 0).reexecute, null);
  assert.equal(planChecks({ purpose: 'canary', verifyRequested: false, miner }, DEFAULT_VERIFICATION, () => 0).canary, true);
});

test('a failed check pauses; fresh canaries resume a first offender on a new probation; a second offence needs review', () => {
  const fail = { kind: 'reexecution' as const, passed: false, detail: 'word 1 differs', now: 1000, jobsCompleted: 10 };
  const pass = { kind: 'canary' as const, passed: true, detail: '', now: 2000, jobsCompleted: 10 };
  let standing = afterCheck(GOOD_STANDING, fail, DEFAULT_VERIFICATION);
  assert.equal(standing.pausedAt, 1000);
  assert.equal(standing.needsReview, false);
  assert.match(standing.pauseReason!, /re-execution: word 1 differs/);
  standing = afterCheck(standing, { ...pass, kind: 'reexecution' }, DEFAULT_VERIFICATION);
  assert.equal(standing.resumeStreak, 0, 'only canaries count towards resuming');
  for (let i = 0; i < DEFAULT_VERIFICATION.canariesToResume - 1; i++) standing = afterCheck(standing, pass, DEFAULT_VERIFICATION);
  assert.notEqual(standing.pausedAt, null);
  standing = afterCheck(standing, { ...pass, jobsCompleted: 14 }, DEFAULT_VERIFICATION);
  assert.equal(standing.pausedAt, null);
  assert.equal(standing.probationStartJobs, 14);
  standing = afterCheck(standing, fail, DEFAULT_VERIFICATION);
  assert.equal(standing.needsReview, true, 'a second failure, ever, waits for an operator');
  for (let i = 0; i < 10; i++) standing = afterCheck(standing, pass, DEFAULT_VERIFICATION);
  assert.notEqual(standing.pausedAt, null);
  assert.equal(resumed(standing, 20).pausedAt, null);
});

test('a canary failed while paused needs review', () => {
  const paused = afterCheck(GOOD_STANDING, { kind: 'canary', passed: false, detail: 'x', now: 1, jobsCompleted: 0 }, DEFAULT_VERIFICATION);
  assert.equal(afterCheck(paused, { kind: 'canary', passed: false, detail: 'y', now: 2, jobsCompleted: 0 }, DEFAULT_VERIFICATION).needsReview, true);
});

test('settings out of range are refused by name', () => {
  assert.throws(() => checkVerificationSettings({ ...DEFAULT_VERIFICATION, canaryRate: 1.5 }), /canaryRate must be a share between 0 and 1/);
  assert.throws(() => checkVerificationSettings({ ...DEFAULT_VERIFICATION, probationJobs: -1 }), /probationJobs/);
  checkVerificationSettings(DEFAULT_VERIFICATION);
});

test('only trusted miners and unpaused miners past probation run re-executions and tie-breaks', () => {
  const settings = DEFAULT_VERIFICATION;
  assert.equal(mayVerify({ jobsSinceProbation: 49, trusted: false, paused: false }, settings), false);
  assert.equal(mayVerify({ jobsSinceProbation: 50, trusted: false, paused: false }, settings), true);
  assert.equal(mayVerify({ jobsSinceProbation: 500, trusted: false, paused: true }, settings), false);
  assert.equal(mayVerify({ jobsSinceProbation: 0, trusted: true, paused: false }, settings), true);
});
