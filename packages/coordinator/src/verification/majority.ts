// Who was wrong, when runs of one job by miners of different owners disagree. Re-executions and
// tie-breaks go only to miners past probation, but two cheaters can still write the same wrong
// text (the same cheaper model, the same truncation of a short answer), so one agreeing pair is
// not enough to fail a third miner: a run fails only when CONFIRMING_RUNS other runs agree with
// one another against it. The first disagreement therefore costs up to two tie-break runs:
//   2 runs that agree           → agreed: every run passes
//   2 runs that disagree        → one more run
//   3 runs, two agree           → one more run (the pair is not yet 3)
//   3 runs, all different       → inconclusive
//   4 runs, three agree         → the fourth fails, the three pass
//   anything else at MAX_RUNS   → inconclusive (nobody counted)
// Any pair whose comparison is inconclusive (compare.ts) makes the whole check inconclusive.

import type { JobParams } from '@aitbc/protocol';
import { compareRuns, type RunEvidence } from './compare.ts';

export const CONFIRMING_RUNS = 3;
export const MAX_RUNS = CONFIRMING_RUNS + 1;

export interface MinerRun {
  minerId: string;
  run: RunEvidence;
}

export type RunsJudgement =
  | { kind: 'agreed'; passed: string[] }
  | { kind: 'need_run' }
  | { kind: 'decided'; passed: string[]; failed: string[]; detail: string }
  | { kind: 'inconclusive'; detail: string };

/** `runs[0]` is the run being checked; each later run is an independent miner's re-run. */
export function judgeRuns(runs: readonly MinerRun[], params: JobParams): RunsJudgement {
  const groups: MinerRun[][] = [];
  for (const candidate of runs) {
    let placed = false;
    for (const group of groups) {
      const verdict = agreement(candidate.run, group[0]!.run, params);
      if (verdict === 'inconclusive') return { kind: 'inconclusive', detail: `runs of ${candidate.minerId} and ${group[0]!.minerId} cannot be compared` };
      if (verdict === 'agree') {
        group.push(candidate);
        placed = true;
        break;
      }
    }
    if (!placed) groups.push([candidate]);
  }
  if (groups.length === 1) return { kind: 'agreed', passed: runs.map((entry) => entry.minerId) };
  const largest = groups.reduce((best, group) => (group.length > best.length ? group : best));
  if (largest.length >= CONFIRMING_RUNS) {
    const failed = runs.filter((entry) => !largest.includes(entry));
    const reason = compareRuns(failed[0]!.run, largest[0]!.run, params).detail;
    return { kind: 'decided', passed: largest.map((entry) => entry.minerId), failed: failed.map((entry) => entry.minerId), detail: `${largest.length} independent runs agree against it: ${reason}` };
  }
  if (runs.length >= MAX_RUNS || groups.length === runs.length && runs.length >= 3) {
    return { kind: 'inconclusive', detail: `${runs.length} runs gave ${groups.length} different answers; no ${CONFIRMING_RUNS} agree` };
  }
  return { kind: 'need_run' };
}

/** Both ways: the prefix rule's length test is one-sided, and either run may be the short one. */
function agreement(a: RunEvidence, b: RunEvidence, params: JobParams): 'agree' | 'disagree' | 'inconclusive' {
  const there = compareRuns(a, b, params).verdict;
  if (there !== 'agree') return there;
  return compareRuns(b, a, params).verdict === 'agree' ? 'agree' : 'disagree';
}
