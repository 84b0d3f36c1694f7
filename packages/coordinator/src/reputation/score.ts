// A miner's reputation score, from its track record alone (a pure function: the store calls it
// whenever a counter moves and keeps the result, so listings sort on it).
//
// The rule: the Wilson score interval's lower bound (95 %, z = 1.96) for the share of good
// outcomes, where each outcome is weighted by how much it says about the miner:
//   good = 1 × jobs completed + 5 × checks passed (canaries passed, re-executions agreed)
//   bad  = 1 × jobs failed + 2 × lease lapses + 50 × checks failed (canaries failed, re-executions disagreed)
// Why a lower bound: it ranks by what the record proves, not by its raw ratio, so a miner with
// 3 of 3 jobs done (0.44) ranks below one with 990 of 1,000 (0.98), and a new miner starts at 0.
// Why these weights: a completion only shows the miner answers (a cheat answers too); a passed
// check shows it ran the model, so it counts as several. A lapse holds a client's job until the
// lease ends, worse than a failure reported at once. A failed check is evidence of cheating: one
// outweighs fifty completions, so a caught miner sinks below every honest miner with a
// comparable record (the pause policy, not the score, is what stops it from getting work).

/** A miner's counters (the store keeps them as MinerTrackRecord). */
export interface ScoreInputs {
  jobsCompleted: number;
  /** Failures the miner reported, and streams it broke. */
  jobsFailed: number;
  /** Jobs taken back from it: lease swept, or missing from its heartbeat's `jobs`. */
  leaseLapses: number;
  canariesPassed: number;
  canariesFailed: number;
  reexecutionsAgreed: number;
  reexecutionsDisagreed: number;
}

export const SCORE_WEIGHTS = { jobCompleted: 1, checkPassed: 5, jobFailed: 1, leaseLapse: 2, checkFailed: 50 } as const;

/** z for a two-sided 95 % interval. */
const Z_95 = 1.96;

/** The lower bound of the Wilson interval for `good` successes out of `total` (weighted counts allowed); 0 with no evidence. */
export function wilsonLowerBound(good: number, total: number, z = Z_95): number {
  if (!(total > 0)) return 0;
  const p = good / total;
  const z2 = z * z;
  const bound = (p + z2 / (2 * total) - z * Math.sqrt((p * (1 - p)) / total + z2 / (4 * total * total))) / (1 + z2 / total);
  return Math.min(1, Math.max(0, bound));
}

/** The score in [0, 1]. */
export function minerScore(record: ScoreInputs): number {
  const w = SCORE_WEIGHTS;
  const good = w.jobCompleted * record.jobsCompleted + w.checkPassed * (record.canariesPassed + record.reexecutionsAgreed);
  const bad = w.jobFailed * record.jobsFailed + w.leaseLapse * record.leaseLapses + w.checkFailed * (record.canariesFailed + record.reexecutionsDisagreed);
  return wilsonLowerBound(good, good + bad);
}

/** The score in whole millionths, as stored (an integer sorts and pages exactly). */
export function minerScorePpm(record: ScoreInputs): number {
  return Math.floor(minerScore(record) * 1_000_000);
}
