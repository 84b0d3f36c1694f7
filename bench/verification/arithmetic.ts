// The arithmetic of the sampling plan (sampling header), to print beside what the simulation
// measures. A miner that cheats on a share c of its jobs is caught when a cheated job is checked:
// each job is re-executed with probability r and followed by a canary with probability k, so a
// job ends its run with probability p = c × (1 − (1 − r)(1 − k)) ≈ c × (r + k). Jobs until caught
// are then geometric: survival (1 − p)^n, the q quantile at n = ln(1 − q) / ln(1 − p).

import { checkRates } from '../../packages/coordinator/src/verification/sampling.ts';
import type { VerificationSettings } from '../../packages/coordinator/src/verification/settings.ts';

/** Probability that one job of a miner cheating on share `cheatRate` gets it caught. */
export function catchChance(cheatRate: number, rates: { reexecution: number; canary: number }): number {
  return cheatRate * (1 - (1 - rates.reexecution) * (1 - rates.canary));
}

/**
 * Jobs until caught at quantile q for a miner that starts cheating with `probationLeft` jobs of
 * probation to go (a fresh miner: probationJobs; a late starter: 0). `alsoCompared` adds the share
 * of its jobs that are compared anyway (the re-executions and tie-breaks it runs for others).
 */
export function predictedJobsUntilCaught(cheatRate: number, probationLeft: number, settings: VerificationSettings, q: number, alsoCompared = 0): number {
  const onProbation = catchChance(cheatRate, checkRates({ jobsSinceProbation: 0, trusted: false }, settings)) + cheatRate * alsoCompared;
  const past = catchChance(cheatRate, checkRates({ jobsSinceProbation: settings.probationJobs, trusted: false }, settings)) + cheatRate * alsoCompared;
  const target = Math.log(1 - q);
  const uncaughtAfterProbation = probationLeft * Math.log(1 - onProbation);
  if (uncaughtAfterProbation <= target) return Math.ceil(target / Math.log(1 - onProbation));
  return probationLeft + Math.ceil((target - uncaughtAfterProbation) / Math.log(1 - past));
}

/**
 * Check runs per client job from the sampled rates alone (on top: up to two tie-breaks per
 * disagreement, and one confirming run per canary answer against an agreement: majority).
 */
export function predictedExtraWork(settings: VerificationSettings, probationShare: number): { probation: number; past: number; overall: number } {
  const share = (rates: { reexecution: number; canary: number }) => rates.reexecution + rates.canary;
  const probation = share(checkRates({ jobsSinceProbation: 0, trusted: false }, settings));
  const past = share(checkRates({ jobsSinceProbation: settings.probationJobs, trusted: false }, settings));
  return { probation, past, overall: probationShare * probation + (1 - probationShare) * past };
}
