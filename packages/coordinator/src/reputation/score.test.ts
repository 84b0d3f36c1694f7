// The reputation score: a lower bound that grows with evidence, falls with every kind of bad
// outcome, and lets one failed check outweigh a long run of plain completions.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { minerScore, minerScorePpm, wilsonLowerBound, type ScoreInputs } from './score.ts';

const blank: ScoreInputs = { jobsCompleted: 0, jobsFailed: 0, leaseLapses: 0, canariesPassed: 0, canariesFailed: 0, reexecutionsAgreed: 0, reexecutionsDisagreed: 0 };
const record = (fields: Partial<ScoreInputs>): ScoreInputs => ({ ...blank, ...fields });

test('the Wilson lower bound matches the textbook formula and stays in [0, 1]', () => {
  // 3 of 3 at 95 %: (1 + z²/6 − z·√(z²/36)) / (1 + z²/3) with z = 1.96.
  const z = 1.96;
  const expected = (1 + (z * z) / 6 - z * Math.sqrt((z * z) / 36)) / (1 + (z * z) / 3);
  assert.ok(Math.abs(wilsonLowerBound(3, 3) - expected) < 1e-12);
  assert.equal(wilsonLowerBound(0, 0), 0);
  assert.equal(wilsonLowerBound(0, 10), 0);
  for (const [good, total] of [[1, 1], [999, 1000], [5, 7], [1e9, 1e9]] as const) {
    const bound = wilsonLowerBound(good, total);
    assert.ok(bound >= 0 && bound <= good / total, `${good}/${total} → ${bound}`);
  }
});

test('a miner with no record scores 0, and more of the same evidence scores higher', () => {
  assert.equal(minerScore(blank), 0);
  const few = minerScore(record({ jobsCompleted: 3 }));
  const many = minerScore(record({ jobsCompleted: 1000 }));
  assert.ok(few > 0 && few < many && many < 1);
  // Same ratio, more evidence: a higher bound.
  assert.ok(minerScore(record({ jobsCompleted: 99, jobsFailed: 1 })) < minerScore(record({ jobsCompleted: 990, jobsFailed: 10 })));
});

test('every bad outcome lowers the score, and a lapse costs more than a reported failure', () => {
  const base = record({ jobsCompleted: 200, canariesPassed: 10 });
  const score = minerScore(base);
  const failed = minerScore({ ...base, jobsFailed: 1 });
  const lapsed = minerScore({ ...base, leaseLapses: 1 });
  const canaryFailed = minerScore({ ...base, canariesFailed: 1 });
  const disagreed = minerScore({ ...base, reexecutionsDisagreed: 1 });
  assert.ok(failed < score && lapsed < failed && canaryFailed < lapsed);
  assert.equal(disagreed, canaryFailed, 'a disagreeing re-execution weighs like a failed canary');
});

test('a passed check counts for more than a completion, and one failed check outweighs fifty completions', () => {
  assert.ok(minerScore(record({ jobsCompleted: 10, canariesPassed: 1 })) > minerScore(record({ jobsCompleted: 11 })));
  assert.equal(minerScore(record({ canariesPassed: 4 })), minerScore(record({ reexecutionsAgreed: 4 })));
  // A cheat caught once after 100 jobs ranks below an honest newcomer with 10 clean jobs.
  assert.ok(minerScore(record({ jobsCompleted: 100, canariesFailed: 1 })) < minerScore(record({ jobsCompleted: 10 })));
});

test('the stored form is whole millionths, never above 1,000,000', () => {
  const ppm = minerScorePpm(record({ jobsCompleted: 1e12, canariesPassed: 1e12 }));
  assert.ok(Number.isInteger(ppm) && ppm <= 1_000_000 && ppm > 999_000);
  assert.equal(minerScorePpm(blank), 0);
  assert.equal(minerScorePpm(record({ jobsCompleted: 7, jobsFailed: 2 })), Math.floor(minerScore(record({ jobsCompleted: 7, jobsFailed: 2 })) * 1e6));
});
