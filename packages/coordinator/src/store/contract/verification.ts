// Checks of miners' work: re-executions, tie-breaks, canaries, verdicts, standing.

import type { CanaryRecord, CheckDecision, CheckJobOutcome, CheckPage, CheckRecord, DecisionOutcome, JobRecord, MinerTrackRecord, NewCanary, NewCheck, NewJob, TiebreakOutcome } from '../store.ts';
import type { Standing } from '../../verification/pause.ts';

export interface VerificationStore {
  /** Inserts a check job, escrows it from its account and records the check, in one transaction. */
  createCheck(job: NewJob, check: NewCheck): Promise<CheckJobOutcome>;
  /** One more run of a check (a tie-break, or a canary's confirming run): inserted and escrowed while the check is pending and its runs after the first are exactly `runsSoFar`. */
  startTiebreak(checkId: number, job: NewJob, runsSoFar: number): Promise<TiebreakOutcome>;
  /** The re-runs of a client job (its re-execution, then its tie-breaks), in the order they were made. */
  rerunsOf(subjectJobId: string): Promise<JobRecord[]>;
  /**
   * Writes the verdict (once: guarded on the check being pending), counts the outcomes, moves the
   * standings, adds the pool entry, and closes an open dispute of the subject job (refund or release).
   */
  decideCheck(decision: CheckDecision): Promise<DecisionOutcome>;
  getCheck(checkId: number): Promise<CheckRecord | null>;
  /** The check a job runs for: as its check job or one of its tie-breaks. */
  checkForJob(jobId: string): Promise<CheckRecord | null>;
  /** Pending checks whose latest run (canary job, re-run or tie-break) has ended: to decide. */
  decidableChecks(limit: number): Promise<CheckRecord[]>;
  /** Newest first; `minerId`: the checks of its work, and those that failed its run as a verifier. */
  listChecks(query: { minerId: string | null; limit: number; after: number | null }): Promise<CheckPage>;
  /** A pool entry for this model and digest never sent to this miner, nor made from its own runs; one sent to no miner first, newest first. */
  findCanary(query: { model: string; modelDigest: string; minerId: string }): Promise<CanaryRecord | null>;
  getCanary(canaryId: number): Promise<CanaryRecord | null>;
  /** Every miner that ran the entry's job: its source job, the source's re-runs, its canaries and their confirming runs. */
  canaryRunners(canaryId: number): Promise<string[]>;
  /** false when the source job is already in the pool. */
  addCanary(entry: NewCanary): Promise<boolean>;
  /** The miner's canaries without a verdict yet: queued, running, or answered and awaiting their confirming run. */
  openCanaries(minerId: string): Promise<number>;
  /** Sets the miner's standing to `change` of its record (an operator's resume); null when the miner is unknown. */
  updateStanding(minerId: string, change: (record: MinerTrackRecord) => Standing): Promise<MinerTrackRecord | null>;
  /** A verify job's re-execution and the check comparing it, if any yet. */
  verificationOf(jobId: string): Promise<{ rerun: JobRecord; check: CheckRecord | null } | null>;
}
