// Jobs from submit to their end: escrow, claims, leases, completion, failure, expiry.

import type { BatchSubmit, ClaimJobOutcome, ClaimManyOutcome, ClaimManyRequest, ClaimNextOutcome, ClaimRequest, Completion, CompletionOutcome, IdempotencyClaim, IdempotentSubmit, JobPage, JobRecord, JobStatus, NewJob, QuotaClaim, SubmitOutcome, TransitionOutcome } from '../store.ts';

export interface JobStore {
  /**
   * Inserts the job and escrows its max_price in one transaction, within balance and daily quota;
   * with a `companion` (a verify job's re-execution, same account) both are inserted and escrowed,
   * and the balance must cover both.
   */
  submitJob(job: NewJob, idempotency: IdempotencyClaim | null, quota: QuotaClaim | null, companion?: NewJob | null): Promise<SubmitOutcome>;
  /**
   * Submits a batch in one transaction, each item as submitJob would, in order: an item refused
   * (balance, quota, a taken key) leaves the others as they are; each later item sees the
   * balance, quota and keys the earlier ones left.
   */
  submitJobs(items: BatchSubmit[]): Promise<SubmitOutcome[]>;
  findIdempotentSubmit(account: string, key: string, notBefore: number): Promise<IdempotentSubmit | null>;
  getJob(jobId: string): Promise<JobRecord | null>;
  listJobs(account: string, query: { status: JobStatus | null; limit: number; after: { createdAt: number; jobId: string } | null }): Promise<JobPage>;
  /** Atomically hands the oldest matching queued job to the miner (exactly one winner). */
  claimNext(request: ClaimRequest): Promise<ClaimNextOutcome>;
  /**
   * Up to `nonces.length` claimNext's in one transaction (one nonce each), oldest first, stopping
   * at the miner's capacity (or bond rule) or an empty queue: the jobs claimed, oldest first.
   */
  claimMany(request: ClaimManyRequest): Promise<ClaimManyOutcome>;
  claimJob(jobId: string, request: ClaimRequest): Promise<ClaimJobOutcome>;
  /** Puts a just-claimed job back without counting the attempt (the miner never received it). */
  releaseClaim(jobId: string, minerId: string, claimNonce: string, now: number): Promise<boolean>;
  /** Also copies what ran from the receipt, and releases a verify job's awaiting re-execution (with its check row). */
  completeJob(completion: Completion): Promise<CompletionOutcome>;
  /** completeJob for each, in one transaction: a refused item leaves the others as they are. */
  completeJobs(completions: Completion[]): Promise<CompletionOutcome[]>;
  /** `lapse`: the miner no longer holds the job (counted as a lease lapse, not a failure it reported). */
  failJob(input: { jobId: string; minerId: string; reason: string; retryable: boolean; now: number; maxAttempts: number; lapse?: boolean }): Promise<TransitionOutcome>;
  cancelJob(jobId: string, account: string, now: number): Promise<TransitionOutcome>;
  /** Expires every queued or running job past its deadline (all of them when jobId is null). */
  expireDue(now: number, jobId?: string): Promise<number>;
  /** Re-queues running jobs whose lease lapsed, failing those that used up maxAttempts. */
  requeueLapsed(now: number, maxAttempts: number): Promise<{ requeued: number; failed: number }>;
  pruneIdempotencyKeys(olderThan: number): Promise<number>;
}
