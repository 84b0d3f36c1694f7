// Registered miners, their models and offers, liveness and track records.

import type { CheckOutcome, HeldJobs, JobStatus, MinerListPosition, MinerPage, MinerRecord, MinerRegistration, MinerTrackRecord, ModelOffer } from '../store.ts';

export interface MinerStore {
  /** Inserts or updates; refuses (returns the existing owner) when another key owns the id. */
  registerMiner(miner: MinerRegistration, now: number): Promise<{ kind: 'registered'; created: boolean; miner: MinerRecord } | { kind: 'owned_by_other' }>;
  getMiner(minerId: string): Promise<MinerRecord | null>;
  /**
   * Marks the miner alive and extends the leases of its running jobs to `now + leaseMs`: all of
   * them when `held` is null (a miner that does not say what it runs), else only those in
   * `held.jobIds`. `unlisted`: its running jobs claimed before `held.claimedBefore` that it did
   * not list (it no longer holds them: the caller lapses them); `runningJobIds`: the others.
   * Uptime grows by the time since the last liveness mark when that is at most `uptimeGapMs`.
   */
  heartbeat(minerId: string, now: number, leaseMs: number, held: HeldJobs | null, uptimeGapMs: number): Promise<{ runningJobIds: string[]; unlisted: string[] }>;
  countRunning(minerId: string): Promise<number>;
  /** Public listing: miners offering `model` (any when null), online (seen since `onlineSince`) first, then by score, then id. */
  listMiners(query: { model: string | null; onlineSince: number; limit: number; after: MinerListPosition | null }): Promise<MinerPage>;
  /** Counts a check's outcome in the miner's record and rescores it; null when the miner is unknown. */
  recordCheck(check: CheckOutcome): Promise<MinerTrackRecord | null>;
  modelOffers(onlineSince: number): Promise<ModelOffer[]>;
  /** Miners seen since the given time. */
  countMinersOnline(onlineSince: number): Promise<number>;
  /** How many jobs are in each state. */
  jobCounts(): Promise<Record<JobStatus, number>>;
}
