// The verification simulation of `npm run bench` (bench/verification-sim.ts), small: 5,000 client
// jobs with a fixed seed on the real demo and cheating backends and the real verification policy,
// re-runs by the miners mayVerify allows and judged by judgeRuns, as the coordinator does.
// What a reader of the bench relies on: honest miners are never flagged, cheaters are caught, the
// checks cost about r + k of the work past probation plus at most 2 tie-breaks per disagreement
// and a confirming run per failed canary, a wrong canary reference is withdrawn rather than failing
// an honest miner, and the figures are reproducible. The economics (issue 13): at the default
// bond, slash, rates and window every cheating strategy loses money against honest work, even
// with the slash alone; without a slash one of them would gain; the break-evens are where the
// sign turns; and a life's money follows the stated cost model. The second run of the bench follows
// its first cheaters until each is caught or reaches a cap, so a p99 is observed, and one past the
// cap is a MISS rather than "unmeasured".

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseAmount } from '@aitbc/protocol';
import { DEFAULT_COST_MODEL, lifeMoney, newLife } from '../../../bench/verification/economics.ts';
import { economics, summarise, tailVerdict } from '../../../bench/verification/report.ts';
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

test('at the default bond, slash, rates and window every cheating strategy loses money against honest work; without a slash one gains', async () => {
  const result = await runSimulation({ jobs: JOBS, seed: SEED });
  const defaults = summarise(result).economics;
  assert.equal(defaults.verdict, 'PASS');
  assert.ok(defaults.checkRate <= 0.03, `checks per job past probation: ${defaults.checkRate}`);
  for (const row of defaults.rows) {
    assert.ok(row.lives > 0 && row.failures > 0, `${row.name}: ${row.lives} lives, ${row.failures} failed checks`);
    assert.ok(row.total.saved > 0n, `${row.name} saved compute by cheating`);
    assert.ok(row.total.gain < 0n && row.perJob < 0n, `${row.name}: gain ${row.total.gain} µAIT`);
    assert.ok(row.slashOnly.gain < 0n, `${row.name}: the slash alone outweighs the saving (${row.slashOnly.gain} µAIT)`);
    assert.ok(row.breakEvenCheckRate < defaults.checkRate, `${row.name}: breaks even at q = ${row.breakEvenCheckRate}`);
  }
  const unslashed = economics(result, { ...DEFAULT_COST_MODEL, slashMicro: 0n });
  assert.equal(unslashed.verdict, 'MISS');
  assert.ok(unslashed.rows.some((row) => row.total.gain > 0n), 'without a slash, cheating pays for at least one strategy');
  // The break-even slash (refunds and pauses left out) is where the sign turns.
  for (const row of defaults.rows) {
    const at = (slashMicro: bigint) => economics(result, { ...DEFAULT_COST_MODEL, slashMicro }).rows.find((other) => other.name === row.name)!.slashOnly.gain;
    const breakEven = row.slashOnly.breakEvenSlash!;
    assert.ok(breakEven > 0n && breakEven < DEFAULT_COST_MODEL.slashMicro, `${row.name}: ${breakEven}`);
    assert.ok(at(breakEven - 1n) >= 0n && at(breakEven) < 0n, `${row.name}: the sign turns at ${breakEven} µAIT`);
  }
});

test("a cheater's life in money: compute saved, a slash per failed check up to the bond, the cheated jobs inside the window refunded once, the margin lost to pauses", () => {
  // Price 1 AITBC, compute 70 %, a cheaper model skips 90 % of it; window 600 s at 10 s a job = 60 jobs.
  const life = { ...newLife(), jobs: 200, cheatedRuns: 4, cheatedClientJobs: [10, 130, 150, 190], failures: [150, 195], pausedJobs: 2.4, pausedForGood: true };
  const money = lifeMoney(life, 'wrong-model', DEFAULT_COST_MODEL);
  assert.equal(money.saved, 4n * parseAmount('0.63'));
  assert.equal(money.slashed, 2n * parseAmount('100'));
  // 130 and 150 inside the first catch's window, 190 inside the second's; 10 long past any.
  assert.equal(money.refunded, 3n * parseAmount('1'));
  // 2 jobs missed while resuming, 60 while coming back with a fresh key, at a 0.3 AITBC margin.
  assert.equal(money.pauseLost, 62n * parseAmount('0.3'));
  assert.equal(money.gain, money.saved - money.slashed - money.refunded - money.pauseLost);
  // A slash takes at most the bond.
  assert.equal(lifeMoney(life, 'wrong-model', { ...DEFAULT_COST_MODEL, bondMicro: parseAmount('30') }).slashed, 2n * parseAmount('30'));
});

test('followed cheaters: the run goes on until each of the first ones is caught or at the cap, and only they are counted', async () => {
  const strategies = [
    { name: 'honest', count: 10, record: 1000 },
    { name: 'always truncate', count: 2, cheat: { mode: 'truncate' as const, rate: 1 } },
    { name: '10 % random', count: 3, cheat: { mode: 'random' as const, rate: 0.1 } },
  ];
  const follow = { lives: 20, capJobs: 150 };
  const result = await runSimulation({ jobs: 0, seed: SEED, strategies, follow });
  assert.ok(result.jobs > 0, 'it ran until the followed lives had ended, not for the 0 jobs asked');
  assert.deepEqual(result.honestFlagged, []);
  for (const outcome of result.outcomes.slice(1)) {
    assert.equal(outcome.flaggedBeforeCheating, 0);
    assert.equal(outcome.caught.length + outcome.uncaught.length, follow.lives, `${outcome.strategy.name}: every followed life ended, no other counted`);
    assert.ok(outcome.caught.every((jobs) => jobs >= 1 && jobs <= follow.capJobs), `${outcome.strategy.name}: caught within the cap`);
    assert.ok(outcome.uncaught.every((jobs) => jobs === follow.capJobs), `${outcome.strategy.name}: the uncaught are counted at the cap`);
  }
  const [truncators, tenPercent] = summarise(result).strategies;
  assert.equal(truncators!.verdict, 'PASS');
  // A 10 % cheater survives 150 jobs far more often than 1 % of the time: its p99 lies past this cap.
  assert.ok(tenPercent!.uncaught > follow.lives / 100, `${tenPercent!.uncaught} of ${follow.lives} at the cap`);
  assert.equal(tenPercent!.p99, undefined);
  assert.equal(tenPercent!.verdict, 'UNMEASURED', 'a cap below the target says nothing about it');
});

test('a p99 against its target: past a cap at least as long as the target it is a MISS, cut off by the end of a run it is unmeasured', () => {
  assert.equal(tailVerdict(2000, 2000, null), 'PASS');
  assert.equal(tailVerdict(2001, 2000, 6000), 'MISS');
  assert.equal(tailVerdict(undefined, 2000, 6000), 'MISS');
  assert.equal(tailVerdict(undefined, 2000, 2000), 'MISS');
  assert.equal(tailVerdict(undefined, 2000, 150), 'UNMEASURED');
  assert.equal(tailVerdict(undefined, 2000, null), 'UNMEASURED');
});
