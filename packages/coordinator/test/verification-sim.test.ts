// The verification simulation of `npm run bench` (bench/verification-sim.ts), small: 5,000 client
// jobs with a fixed seed on the real demo and cheating backends and the real verification policy,
// re-runs by the miners mayVerify allows and judged by judgeRuns, as the coordinator does.
// What a reader of the bench relies on: honest miners are never flagged, cheaters are caught, the
// checks cost about r + k of the work past probation plus at most 2 tie-breaks per disagreement
// and a confirming run per failed canary, a wrong canary reference is withdrawn rather than failing
// an honest miner, and the figures are reproducible.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { summarise } from '../../../bench/verification/report.ts';
import { runSimulation } from '../../../bench/verification/simulation.ts';
import { DEFAULT_VERIFICATION } from '../src/verification/settings.ts';

const JOBS = 5000;
const SEED = 7;

test('no honest miner flagged, always-cheaters caught within 25 jobs, checks cost about r + k, at most 2 tie-breaks per disagreement', async () => {
  const result = await runSimulation({ jobs: JOBS, seed: SEED });
  const summary = summarise(result);
  assert.deepEqual(result.honestFlagged, []);
  assert.equal(result.pool.contaminated, 0, 'every canary is an honest output');
  for (const name of ['always wrong-model', 'always truncate']) {
    const row = summary.strategies.find((strategy) => strategy.name === name)!;
    assert.ok(row.caught >= 30, `${name}: ${row.caught} caught`);
    assert.ok(row.p99 !== undefined && row.p99 <= 25, `${name}: p99 ${row.p99} jobs until caught`);
  }
  const tenPercent = summary.strategies.find((strategy) => strategy.name === '10 % random')!;
  assert.ok(tenPercent.caught > 0, 'a miner cheating on 10 % of its jobs is caught too');
  const { reexecutionRate, canaryRate } = DEFAULT_VERIFICATION;
  assert.ok(summary.pastShare > 0.5, 'most work goes to miners past probation');
  assert.ok(Math.abs(summary.past.sampled - (reexecutionRate + canaryRate)) < 0.01, `sampled checks past probation: ${summary.past.sampled}`);
  assert.ok(summary.past.total <= 0.03, `extra work past probation: ${summary.past.total}`);
  assert.ok(result.disagreements > 0 && summary.tiebreaksPerDisagreement > 1 && summary.tiebreaksPerDisagreement <= 2, `tie-breaks per disagreement: ${summary.tiebreaksPerDisagreement}`);
  assert.equal(result.noEligibleMiner, 0, 'seventy honest miners past probation are always there to re-run a job');
  assert.ok(result.canaryChecks.failed > 0, 'cheaters still fail canaries, once the evidence and a confirming run agree against them');
  assert.ok(result.checkRuns.confirmation.probation > 0, 'confirming runs are counted as extra work of their own');
});

test('two established cheaters writing the same wrong text make a wrong canary: the honest miner that meets it is not failed, the entry is withdrawn', async () => {
  const strategies = [
    { name: 'honest', count: 3, record: 1000 },
    { name: 'established truncators', count: 2, record: 1000, cheat: { mode: 'truncate' as const, rate: 1 } },
  ];
  // Frequent checks so that the two truncators, both allowed to verify, re-run each other's jobs.
  const result = await runSimulation({ jobs: 500, seed: SEED, strategies, settings: { ...DEFAULT_VERIFICATION, reexecutionRate: 0.5, canaryRate: 0.3 } });
  assert.ok(result.pool.contaminated > 0, 'the truncators agreed on a wrong answer');
  assert.ok(result.canaryChecks.honestOnWrongReference > 0, 'an honest miner was sent it');
  assert.deepEqual(result.honestFlagged, []);
  assert.ok(result.pool.withdrawnWrong > 0, 'the confirming run sided with the honest miner');
  assert.ok(result.outcomes[1]!.caught.length > 0, 'the truncators are caught all the same');
});

test('always-truncating miners write the same wrong text: when any miner may re-run jobs they outvote honest ones, not under mayVerify', async () => {
  const strategies = [
    { name: 'honest', count: 6, record: 1000 },
    { name: 'always truncate', count: 4, cheat: { mode: 'truncate' as const, rate: 1 } },
  ];
  const anyMiner = await runSimulation({ jobs: 1000, seed: SEED, checkMiners: 'any', strategies });
  assert.ok(anyMiner.honestFlagged.length > 0);
  assert.match(anyMiner.honestFlagged[0]!.detail, /^failed a (re-execution|canary): /);
  assert.ok(anyMiner.pool.contaminated > 0, 'two truncators that agree make a wrong canary');
  const rule = await runSimulation({ jobs: 1000, seed: SEED, strategies });
  assert.deepEqual(rule.honestFlagged, []);
  assert.equal(rule.pool.contaminated, 0);
  assert.ok(rule.outcomes[1]!.caught.length > 0);
});

test('a marketplace of miners all on probation: their jobs find nobody to re-run them until one is past it', async () => {
  const result = await runSimulation({ jobs: 300, seed: SEED, strategies: [{ name: 'honest', count: 3 }] });
  assert.ok(result.noEligibleMiner > 0, 'the first checks find no eligible miner');
  assert.ok(result.checkRuns.reexecution.probation + result.checkRuns.reexecution.past > 0, 'later ones do');
  assert.deepEqual(result.honestFlagged, []);
});

test('the same seed gives the same figures', async () => {
  const run = async () => summarise(await runSimulation({ jobs: 1000, seed: SEED }));
  assert.deepEqual(await run(), await run());
});
