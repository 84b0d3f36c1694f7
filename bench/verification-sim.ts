// `npm run bench` (verification part), also runnable alone:
//   node --conditions=@aitbc/source --import tsx bench/verification-sim.ts [--jobs N] [--seed S]
//     [--follow LIVES] [--check-miners any]
//     [--price AITBC] [--slash AITBC] [--bond AITBC]   (the cost model's, bench/verification/economics.ts)
// 100 miners (70 honest, 30 cheating in four ways) on the real demo and cheating backends, at
// least 100,000 client jobs, and the real verification policy (packages/coordinator/src/
// verification): how many jobs each kind of cheater gets away with, whether any honest miner is
// flagged (and whether any fails a canary), and what the checks cost (confirming runs of failed
// canaries apart), beside what the sampling arithmetic predicts. Re-executions and tie-breaks go
// to the miners the coordinator allows (mayVerify); `--check-miners any` runs instead the
// demonstration of why: any unpaused miner re-runs, so fresh cheaters writing the same wrong text
// vouch for one another (printed without targets). Then the economics (issue 13): per strategy
// what cheating gained over honest work on the same jobs under a stated cost model, and the
// break-even slash, price and check rate.
// A run of 100,000 client jobs ends before the slowest 10 % cheaters are caught, so their p99 is
// out of its reach. A second run of the same world and seed therefore goes on until its first 200
// (--follow) cheaters of each kind have each been caught or have cheated for 6,000 jobs (3 × the
// target), and prints their jobs until caught against the targets (--follow 0 skips it; the `any`
// demonstration has no targets, so no second run).

import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { parseAmount } from '@aitbc/protocol';
import { DEFAULT_COST_MODEL, type CostModel } from './verification/economics.ts';
import { formatFollowed, formatSummary, summarise, TARGETS, type Summary } from './verification/report.ts';
import { runSimulation, type CheckMiners, type SimOptions, type SimResult } from './verification/simulation.ts';

export interface VerificationBenchOptions {
  jobs?: number;
  seed?: number;
  checkMiners?: CheckMiners;
  costModel?: CostModel;
  /** Cheaters of each kind the second run follows until caught (0: no second run). */
  follow?: number;
}

/** Enough lives that a p99 is an order statistic, not just the longest one (about 20 s of CPU here). */
const FOLLOWED_LIVES = 200;
/** Three times the 10 % cheaters' target: a p99 past it is a MISS that no longer run would turn. */
const FOLLOW_CAP_JOBS = 3 * TARGETS.tenPercentCheaterP99;

interface Measured {
  result: SimResult;
  summary: Summary;
}

export async function benchVerification(options: VerificationBenchOptions = {}): Promise<Measured & { followed: Measured | null }> {
  const seed = options.seed ?? 1;
  const checkMiners = options.checkMiners ?? 'mayVerify';
  const main = await measured({ jobs: options.jobs ?? 100_000, seed, checkMiners }, options.costModel, formatSummary);
  const lives = checkMiners === 'any' ? 0 : (options.follow ?? FOLLOWED_LIVES);
  const followed = lives === 0 ? null : await measured({ jobs: 0, seed, follow: { lives, capJobs: FOLLOW_CAP_JOBS } }, options.costModel, formatFollowed);
  return { ...main, followed };
}

async function measured(options: SimOptions, costModel: CostModel | undefined, format: (result: SimResult, summary: Summary, cpuMs: number) => string[]): Promise<Measured> {
  const cpu = process.cpuUsage();
  const result = await runSimulation(options);
  const used = process.cpuUsage(cpu);
  const summary = summarise(result, costModel);
  for (const line of format(result, summary, (used.user + used.system) / 1000)) console.log(line);
  return { result, summary };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({
    options: { jobs: { type: 'string' }, seed: { type: 'string' }, follow: { type: 'string' }, 'check-miners': { type: 'string' }, price: { type: 'string' }, slash: { type: 'string' }, bond: { type: 'string' } },
  });
  const whole = (name: string, text: string | undefined, fallback: number): number => {
    const value = text === undefined ? fallback : Number(text);
    if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`--${name}: expected a whole number, got ${text}`);
    return value;
  };
  const checkMiners = values['check-miners'];
  if (checkMiners !== undefined && checkMiners !== 'any') throw new RangeError(`--check-miners: only any (the demonstration) can be chosen, got ${checkMiners}`);
  const amount = (name: 'price' | 'slash' | 'bond', fallback: bigint): bigint => {
    const text = values[name];
    try {
      return text === undefined ? fallback : parseAmount(text);
    } catch (error) {
      throw new RangeError(`--${name}: ${(error as Error).message}`);
    }
  };
  const model = DEFAULT_COST_MODEL;
  const costModel = { ...model, priceMicro: amount('price', model.priceMicro), slashMicro: amount('slash', model.slashMicro), bondMicro: amount('bond', model.bondMicro) };
  await benchVerification({
    jobs: whole('jobs', values.jobs, 100_000),
    seed: whole('seed', values.seed, 1),
    follow: whole('follow', values.follow, FOLLOWED_LIVES),
    costModel,
    ...(checkMiners ? { checkMiners } : {}),
  });
}
