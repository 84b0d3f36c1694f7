// A client's dispute of a completed job, inside its acceptance window (issue 13): the job's held
// earnings freeze, and a re-execution paid by the client decides (src/verification/dispute.ts).
// The store opens it in one transaction; the check's verdict closes it in the verdict's own.

import { ApiError, formatAmount } from '@aitbc/protocol';
import type { CoordinatorConfig } from '../config.ts';
import type { CoordinatorStore, JobRecord } from '../store/store.ts';
import { MAX_DISPUTE_REASON_CHARS } from '../verification/dispute.ts';
import type { Principal } from './principal.ts';
import type { VerificationService } from './verification.ts';
import type { WorkSignal } from './work-signal.ts';

export class DisputeService {
  constructor(
    private readonly store: CoordinatorStore,
    private readonly verification: VerificationService,
    private readonly signal: WorkSignal,
    private readonly config: CoordinatorConfig,
  ) {}

  async dispute(principal: Principal, jobId: string, reason: string): Promise<JobRecord> {
    const text = reason.trim();
    if (text.length === 0) throw new ApiError('VALIDATION_MISSING_FIELD', "Field 'reason' must say what is wrong with the job's output", { field: 'reason' });
    if (text.length > MAX_DISPUTE_REASON_CHARS) {
      throw new ApiError('VALIDATION_OUT_OF_RANGE', `Field 'reason' has ${text.length} characters; at most ${MAX_DISPUTE_REASON_CHARS}`, { field: 'reason' });
    }
    const job = await this.store.getJob(jobId);
    if (!job || job.account !== principal.account || job.purpose !== 'client') throw new ApiError('JOB_NOT_FOUND', `Job ${jobId} not found`);
    const now = this.config.now();
    const refusal = refused(job, now);
    if (refusal) throw refusal;
    // A dispute is decided by re-runs on independent miners; with none online it could only wait
    // out its re-run's deadline, holding the miner's earnings, so it is not opened (unless a check
    // already decided the job).
    if ((await this.store.checkForJob(jobId))?.verdict == null && !(await this.verification.verifierOnline(job))) {
      throw new ApiError(
        'MINER_OFFLINE',
        `No miner of another owner serving the weights of job ${jobId} (${job.modelDigest ?? job.model}) and past probation is online to re-run it, so the dispute was not opened; dispute again before ${new Date(job.acceptUntil!).toISOString()}, when one is`,
        { retryAfterSeconds: 60 },
      );
    }
    const outcome = await this.store.openDispute({ jobId, account: principal.account, reason: text, now, rerun: await this.verification.disputeRerun(job) });
    switch (outcome.kind) {
      case 'not_found':
        throw new ApiError('JOB_NOT_FOUND', `Job ${jobId} not found`);
      case 'refused':
        throw refused(outcome.job, now) ?? new ApiError('JOB_INVALID_STATUS', `Job ${jobId} cannot be disputed now`);
      case 'insufficient_balance':
        throw new ApiError(
          'PAYMENT_INSUFFICIENT_BALANCE',
          `Account ${principal.account} has ${formatAmount(outcome.availableMicro)} AITBC available; a dispute re-runs the job at your cost and escrows its max_price ${formatAmount(job.maxPriceMicro)} (you get the price back if the miner was wrong). Top up and dispute again before ${new Date(job.acceptUntil!).toISOString()}`,
        );
      case 'opened':
        if (outcome.rerun) this.signal.notify(outcome.rerun);
        return outcome.job;
    }
  }
}

/** Why this job cannot be disputed (now), or null. */
function refused(job: JobRecord, now: number): ApiError | null {
  if (job.status !== 'completed') {
    const instead = job.status === 'queued' || job.status === 'running' ? 'cancel it instead' : 'its escrow was refunded';
    return new ApiError('JOB_INVALID_STATUS', `Job ${job.jobId} is ${job.status}: only a completed job can be disputed (${instead})`);
  }
  if (job.dispute) return new ApiError('JOB_INVALID_STATUS', `Job ${job.jobId} was already disputed at ${new Date(job.dispute.openedAt).toISOString()} (${job.dispute.state}); a job is disputed once`);
  if (job.acceptUntil === null || job.acceptUntil <= now) {
    return new ApiError('JOB_INVALID_STATUS', `Job ${job.jobId}'s acceptance window ended at ${new Date(job.acceptUntil ?? job.endedAt!).toISOString()}: it can no longer be disputed`);
  }
  return null;
}
