// The pause policy: what a check's outcome does to a miner's standing.
//   - A failed check pauses the miner from new work at once (only canaries still reach it).
//   - After its first failure, a paused miner resumes by passing `canariesToResume` fresh
//     canaries in a row; it then starts a new probation (checked at the probation rates).
//   - A second failed check, ever, or a failed canary while paused, leaves it paused until an
//     operator reviews it (POST /v1/admin/miners/{id}/resume).
// Inconclusive comparisons change nothing.

import type { VerificationSettings } from './settings.ts';

export interface Standing {
  pausedAt: number | null;
  /** Why it was paused, for the miner's operator and the public list. */
  pauseReason: string | null;
  /** Only an operator can resume it. */
  needsReview: boolean;
  /** Canaries passed in a row since the pause. */
  resumeStreak: number;
  /** Checks failed over the miner's whole record. */
  checksFailed: number;
  /** jobsCompleted when probation (re)started. */
  probationStartJobs: number;
}

export const GOOD_STANDING: Standing = { pausedAt: null, pauseReason: null, needsReview: false, resumeStreak: 0, checksFailed: 0, probationStartJobs: 0 };

export interface CheckResult {
  kind: 'canary' | 'reexecution';
  passed: boolean;
  /** Why it failed (the comparison's detail). */
  detail: string;
  now: number;
  /** The miner's completed jobs now: a resumed miner's probation starts here. */
  jobsCompleted: number;
}

export function afterCheck(standing: Standing, check: CheckResult, settings: VerificationSettings): Standing {
  if (!check.passed) {
    const checksFailed = standing.checksFailed + 1;
    return {
      ...standing,
      pausedAt: standing.pausedAt ?? check.now,
      pauseReason: `failed a ${check.kind === 'canary' ? 'canary' : 're-execution'}: ${check.detail}`,
      needsReview: checksFailed > 1 || standing.pausedAt !== null,
      resumeStreak: 0,
      checksFailed,
    };
  }
  if (standing.pausedAt === null || standing.needsReview || check.kind !== 'canary') return standing;
  const resumeStreak = standing.resumeStreak + 1;
  if (resumeStreak < settings.canariesToResume) return { ...standing, resumeStreak };
  return resumed(standing, check.jobsCompleted);
}

/** An operator's review, or enough canaries passed: back to work, on probation again. */
export function resumed(standing: Standing, jobsCompleted: number): Standing {
  return { ...standing, pausedAt: null, pauseReason: null, needsReview: false, resumeStreak: 0, probationStartJobs: jobsCompleted };
}
