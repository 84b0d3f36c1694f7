// Which completed jobs get checked. Decided once per completion, with the coordinator's random
// source (a seeded one in the simulation), from the miner's progress alone: a miner cannot see
// the decision, and a check job looks to it like any other job.
//
// The arithmetic (README "Verified work"): a miner that cheats on a share c of its jobs is caught
// by a check of a cheated job, so each of its jobs ends its run with probability about
// c × (r + k), r the re-execution rate, k the canary rate. Past probation (r = 2 %, k = 0.5 %)
// a 10 % cheater survives n jobs with probability (1 − 0.0025)^n: 1 % at n ≈ 1,840. On probation
// (r = 20 %, k = 10 %) an always-cheater survives n jobs with probability 0.72^n: 1 % at n ≈ 14.
// Extra work: r + k of past-probation work (2.5 %), plus a tie-break run per disagreement.

import type { VerificationSettings } from './settings.ts';

export interface CheckRates {
  reexecution: number;
  canary: number;
}

/** What the plan needs to know of the miner that completed the job. */
export interface MinerProgress {
  /** Jobs it completed since probation (re)started. */
  jobsSinceProbation: number;
  trusted: boolean;
}

export function checkRates(miner: MinerProgress, settings: VerificationSettings): CheckRates {
  if (miner.trusted) return { reexecution: 0, canary: 0 };
  const onProbation = miner.jobsSinceProbation < settings.probationJobs;
  return onProbation
    ? { reexecution: settings.probationReexecutionRate, canary: settings.probationCanaryRate }
    : { reexecution: settings.reexecutionRate, canary: settings.canaryRate };
}

export type JobPurpose = 'client' | 'canary' | 'reexecution' | 'tiebreak';

export interface CheckPlan {
  /** Re-run this job on an independent miner (paid by the client when it asked for `verify`). */
  reexecute: 'client' | 'operator' | null;
  /** Send this miner a canary. */
  canary: boolean;
}

/**
 * The checks one completion triggers. Only client jobs are re-executed (check runs are compared
 * already); any job, check runs included, may be followed by a canary, so a miner that behaves
 * only on what it guesses are checks still meets canaries.
 */
export function planChecks(input: { purpose: JobPurpose; verifyRequested: boolean; miner: MinerProgress }, settings: VerificationSettings, random: () => number): CheckPlan {
  const rates = checkRates(input.miner, settings);
  let reexecute: CheckPlan['reexecute'] = null;
  if (input.purpose === 'client') {
    if (input.verifyRequested) reexecute = 'client';
    else if (random() < rates.reexecution) reexecute = 'operator';
  }
  return { reexecute, canary: random() < rates.canary };
}

/**
 * Who may run re-executions and tie-breaks: a trusted miner, or one past probation and not paused.
 * A fresh identity costs nothing to make, so it cannot vouch for or against anyone: a pack of new
 * cheaters writing the same wrong text would otherwise outvote honest miners (the simulation shows it).
 */
export function mayVerify(miner: MinerProgress & { paused: boolean }, settings: VerificationSettings): boolean {
  if (miner.paused) return false;
  return miner.trusted || miner.jobsSinceProbation >= settings.probationJobs;
}
