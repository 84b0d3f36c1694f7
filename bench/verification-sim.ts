// `npm run bench` (verification part), also runnable alone:
//   node --import tsx bench/verification-sim.ts [--jobs N] [--seed S] [--check-miners any]
// 100 miners (70 honest, 30 cheating in four ways) on the real demo and cheating backends, at
// least 100,000 client jobs, and the real verification policy (packages/coordinator/src/
// verification): how many jobs each kind of cheater gets away with, whether any honest miner is
// flagged (and whether any fails a canary), and what the checks cost (confirming runs of failed
// canaries apart), beside what the sampling arithmetic predicts. Re-executions
// and tie-breaks go to the miners the coordinator allows (mayVerify); `--check-miners any` runs
// instead the demonstration of why: any unpaused miner re-runs, so fresh cheaters writing the
// same wrong text vouch for one another (printed without targets).

import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { formatSummary, summarise, type Summary } from './verification/report.ts';
import { runSimulation, type CheckMiners, type SimResult } from './verification/simulation.ts';

export interface VerificationBenchOptions {
  jobs?: number;
  seed?: number;
  checkMiners?: CheckMiners;
}

export async function benchVerification(options: VerificationBenchOptions = {}): Promise<{ result: SimResult; summary: Summary }> {
  const cpu = process.cpuUsage();
  const result = await runSimulation({ jobs: options.jobs ?? 100_000, seed: options.seed ?? 1, checkMiners: options.checkMiners ?? 'mayVerify' });
  const used = process.cpuUsage(cpu);
  const summary = summarise(result);
  for (const line of formatSummary(result, summary, (used.user + used.system) / 1000)) console.log(line);
  return { result, summary };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({ options: { jobs: { type: 'string' }, seed: { type: 'string' }, 'check-miners': { type: 'string' } } });
  const whole = (name: string, text: string | undefined, fallback: number): number => {
    const value = text === undefined ? fallback : Number(text);
    if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`--${name}: expected a whole number, got ${text}`);
    return value;
  };
  const checkMiners = values['check-miners'];
  if (checkMiners !== undefined && checkMiners !== 'any') throw new RangeError(`--check-miners: only any (the demonstration) can be chosen, got ${checkMiners}`);
  await benchVerification({ jobs: whole('jobs', values.jobs, 100_000), seed: whole('seed', values.seed, 1), ...(checkMiners ? { checkMiners } : {}) });
}
