// The verification simulation of `npm run bench` (bench/verification-sim.ts), small: 5,000 client
// jobs with a fixed seed on the real demo and cheating backends and the real verification policy.
// What a reader of the bench relies on: honest miners are never flagged, cheaters are caught, the
// checks cost about r + k of the work past probation, and the figures are reproducible.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { summarise } from '../../../bench/verification/report.ts';
import { runSimulation } from '../../../bench/verification/simulation.ts';
import { DEFAULT_VERIFICATION } from '../src/verification/settings.ts';

const JOBS = 5000;
const SEED = 7;

test('with check runs by miners past probation: no honest miner flagged, always-cheaters caught within 25 jobs, checks cost about r + k', async () => {
  const result = await runSimulation({ jobs: JOBS, seed: SEED, checkMiners: 'established' });
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
});

test('always-truncating miners write the same wrong text: with check runs by any miner they outvote honest ones, not when only miners past probation check', async () => {
  const strategies = [
    { name: 'honest', count: 6, record: 1000 },
    { name: 'always truncate', count: 4, cheat: { mode: 'truncate' as const, rate: 1 } },
  ];
  const anyMiner = await runSimulation({ jobs: 1000, seed: SEED, checkMiners: 'any', strategies });
  assert.ok(anyMiner.honestFlagged.length > 0);
  assert.match(anyMiner.honestFlagged[0]!.detail, /^failed a (re-execution|canary): the outputs differ/);
  const established = await runSimulation({ jobs: 1000, seed: SEED, checkMiners: 'established', strategies });
  assert.deepEqual(established.honestFlagged, []);
  assert.ok(established.outcomes[1]!.caught.length > 0);
});

test('the same seed gives the same figures', async () => {
  const run = async () => summarise(await runSimulation({ jobs: 1000, seed: SEED, checkMiners: 'established' }));
  assert.deepEqual(await run(), await run());
});
