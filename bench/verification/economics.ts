// The economics of cheating (issue 13): what each cheater of the simulation gained against an
// honest miner running the same jobs, in µAIT, from the facts the simulation recorded of its life
// (jobs, cheated runs, failed checks, pauses) and a cost model stated here and printed by the bench.
//
// The cost model (defaults: DEFAULT_COST_MODEL):
//   - every run a miner does is paid one flat price: client jobs by their client, check runs
//     (re-executions, tie-breaks, canaries) by the verification account. Default 1 AITBC: a job of
//     1,000 tokens at the devnet miner's 0.001 AITBC per token (the simulation's jobs are shorter
//     only to keep its CPU low). A cheater bills every job as if it had run it in full (the
//     test-only truncating backend bills its shorter usage, which would make truncation lose money
//     even uncaught; a real cheater would claim the full usage);
//   - an honest run costs its miner 70 % of the price in compute; a cheated run skips a share of
//     that: a cheaper model 90 %, truncation 50 %, random text all of it;
//   - each failed check of a cheater is one slash of min(slash amount, bond) (every failure in the
//     simulation is byte-exact on the demo backend, so it has chain evidence). The miner bonds
//     --min-bond = 100 AITBC, the genesis slash amount, and tops its bond up after a slash to keep
//     getting work. A run failed by the prefix rule of real backends is not slashed: the
//     break-even slash 0 rows say what is left then;
//   - refunds: once a miner is paused its pause is public (GET /v1/miners/{id}), and its clients
//     dispute every job still inside the acceptance window (default 600 s); each dispute's
//     re-execution upholds the cheated ones, whose price goes back (the coordinator refunds
//     nothing by itself today). A busy miner finishes a job every 10 s, so a catch refunds the
//     cheated client jobs among its last 60 jobs, each once. The further slashes those disputes'
//     failed re-executions would bring are not counted (in the cheater's favour);
//   - pauses: a first pause (resumed by canaries) costs the honest margin (30 %) of the client
//     jobs it would have got meanwhile, as the simulation measures it. A miner paused for good is
//     never resumed by a reviewing operator, but a key costs nothing: it comes back as a fresh
//     miner (the simulation's replacement, a life of its own) once it has a bond for the new key,
//     its old bond unbonding in the genesis delay (default the 600 s acceptance window). So a pause
//     for good costs the margin of 60 jobs;
//   - a life runs from the first job of the cheating phase until paused for good, or until the
//     end of the run (still uncaught or serving a pause: those lives have not paid for all they
//     cheated yet, which favours the cheater).
// Refunds and pauses rest on the assumptions above; the slash is the chain's rule. So each figure
// also comes "slash only" (saved − slashed: no refunds, no pause costs), the bound that holds
// whatever clients dispute and however fast a cheater comes back; the break-even slash and price
// are given for it (with refunds and pauses counted the break-even slash is often 0).
// The break-even check rate is the sampling arithmetic's: a cheated job is checked with
// probability q = 1 − (1 − r)(1 − k) at least, and each check costs at least one slash, so
// cheating loses whenever q × min(slash, bond) is more than the compute one cheated job saves,
// refunds and pauses aside.

import { parseAmount } from '@aitbc/protocol';
import { DEFAULT_SLASH_AMOUNT } from '../../packages/chain/src/genesis.ts';
import { DEFAULT_CONFIG } from '../../packages/coordinator/src/config.ts';
import type { CheatMode } from '../../packages/miner/src/backends/cheating.ts';

/** The facts of one cheater's life the simulation records (its jobs counted from the first of its cheating phase, 1 up). */
export interface CheaterLife {
  jobs: number;
  /** Runs of any purpose it cheated on. */
  cheatedRuns: number;
  /** The job number of each client job it cheated on: refunded when a catch follows inside the window. */
  cheatedClientJobs: number[];
  /** The job number at each failed check. */
  failures: number[];
  /** Client jobs it would have got while serving first pauses (its share of those dispatched meanwhile). */
  pausedJobs: number;
  pausedForGood: boolean;
}

export const newLife = (): CheaterLife => ({ jobs: 0, cheatedRuns: 0, cheatedClientJobs: [], failures: [], pausedJobs: 0, pausedForGood: false });

export interface CostModel {
  /** What every run pays its miner, µAIT. */
  priceMicro: bigint;
  /** Share of the price an honest run costs in compute, percent. */
  computePercent: bigint;
  /** Share of that compute a cheated run skips, percent, by cheat. */
  skippedPercent: Record<CheatMode, bigint>;
  bondMicro: bigint;
  slashMicro: bigint;
  acceptanceWindowSeconds: number;
  /** How long a busy miner takes per job. */
  jobSeconds: number;
  /** How long a miner paused for good has no work: until its old bond has unbonded for a new key. */
  comebackSeconds: number;
}

export const DEFAULT_COST_MODEL: CostModel = {
  priceMicro: parseAmount('1'),
  computePercent: 70n,
  skippedPercent: { 'wrong-model': 90n, truncate: 50n, random: 100n },
  bondMicro: parseAmount(DEFAULT_SLASH_AMOUNT),
  slashMicro: parseAmount(DEFAULT_SLASH_AMOUNT),
  acceptanceWindowSeconds: DEFAULT_CONFIG.acceptanceWindowSeconds,
  jobSeconds: 10,
  comebackSeconds: DEFAULT_CONFIG.acceptanceWindowSeconds,
};

/** A life's money against an honest miner running the same jobs, µAIT, by cause. */
export interface LifeMoney {
  saved: bigint;
  slashed: bigint;
  refunded: bigint;
  pauseLost: bigint;
  /** saved − slashed − refunded − pauseLost: what cheating earned over honest work. */
  gain: bigint;
}

const jobsIn = (seconds: number, model: CostModel) => Math.floor(seconds / model.jobSeconds);
const margin = (model: CostModel) => (model.priceMicro * (100n - model.computePercent)) / 100n;
const slash = (model: CostModel) => (model.slashMicro < model.bondMicro ? model.slashMicro : model.bondMicro);

/** Compute one cheated run saves. */
export function savedPerCheat(mode: CheatMode, model: CostModel): bigint {
  return (model.priceMicro * model.computePercent * model.skippedPercent[mode]) / 10_000n;
}

export function lifeMoney(life: CheaterLife, mode: CheatMode, model: CostModel): LifeMoney {
  const saved = BigInt(life.cheatedRuns) * savedPerCheat(mode, model);
  const slashed = BigInt(life.failures.length) * slash(model);
  const window = jobsIn(model.acceptanceWindowSeconds, model);
  // Each cheated client job is refunded once, by the first catch whose window holds it.
  const refundedJobs = life.cheatedClientJobs.filter((job) => life.failures.some((failure) => job <= failure && job > failure - window)).length;
  const refunded = BigInt(refundedJobs) * model.priceMicro;
  const lostJobs = Math.round(life.pausedJobs) + (life.pausedForGood ? jobsIn(model.comebackSeconds, model) : 0);
  const pauseLost = BigInt(lostJobs) * margin(model);
  return { saved, slashed, refunded, pauseLost, gain: saved - slashed - refunded - pauseLost };
}

export interface StrategyEconomics {
  lives: number;
  /** Lives that ended paused for good (the rest were cut by the end of the run). */
  pausedForGood: number;
  jobs: number;
  failures: number;
  /** Sums over its lives, µAIT. */
  total: LifeMoney;
  /** Gain per life: median and mean; and per job (total gain ÷ jobs), µAIT. */
  median: bigint;
  mean: bigint;
  perJob: bigint;
  /** The smallest min(slash, bond) at which the total gain is negative: 0 when it never pays, null when never caught. */
  breakEvenSlash: bigint | null;
  /** Refunds and pauses left out: saved − slashed. */
  slashOnly: {
    gain: bigint;
    perJob: bigint;
    breakEvenSlash: bigint | null;
    /** The highest price per job at which cheating still loses (everything but the slash scales with the price). */
    breakEvenPrice: bigint | null;
  };
  /** Checks per job q at which one slash outweighs what a cheated job saves (refunds and pauses aside). */
  breakEvenCheckRate: number;
}

/** Lives of one strategy (those that reached their cheating phase) under `model`. */
export function strategyEconomics(lives: readonly CheaterLife[], mode: CheatMode, model: CostModel): StrategyEconomics {
  const started = lives.filter((life) => life.jobs > 0);
  const money = started.map((life) => lifeMoney(life, mode, model));
  const sum = (key: keyof LifeMoney) => money.reduce((total, life) => total + life[key], 0n);
  const total: LifeMoney = { saved: sum('saved'), slashed: sum('slashed'), refunded: sum('refunded'), pauseLost: sum('pauseLost'), gain: sum('gain') };
  const gains = money.map((life) => life.gain).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const jobs = started.reduce((n, life) => n + life.jobs, 0);
  const failures = started.reduce((n, life) => n + life.failures.length, 0);
  // The smallest s with gainBeforeSlashes − failures × s < 0.
  const breakEven = (beforeSlashes: bigint) => (failures === 0 ? null : beforeSlashes < 0n ? 0n : beforeSlashes / BigInt(failures) + 1n);
  const slashOnlyGain = total.saved - total.slashed;
  return {
    lives: started.length,
    pausedForGood: started.filter((life) => life.pausedForGood).length,
    jobs,
    failures,
    total,
    median: gains.length === 0 ? 0n : gains[Math.floor((gains.length - 1) / 2)]!,
    mean: gains.length === 0 ? 0n : total.gain / BigInt(gains.length),
    perJob: jobs === 0 ? 0n : total.gain / BigInt(jobs),
    breakEvenSlash: breakEven(total.gain + total.slashed),
    slashOnly: {
      gain: slashOnlyGain,
      perJob: jobs === 0 ? 0n : slashOnlyGain / BigInt(jobs),
      breakEvenSlash: breakEven(total.saved),
      // saved scales with the price: it loses while price × saved ÷ model price < slashed.
      breakEvenPrice: total.saved === 0n ? null : (model.priceMicro * total.slashed - 1n) / total.saved,
    },
    breakEvenCheckRate: slash(model) === 0n ? 1 : Number(savedPerCheat(mode, model)) / Number(slash(model)),
  };
}
