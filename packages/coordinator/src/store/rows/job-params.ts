// What both engines bind to their job statements and build from what those return: the claim
// constraints' values, a completion's columns, a failure's message, a page of an account's jobs.
// Each engine writes its own SQL around them (src/store/sqlite/sqlite-store.ts, src/store/postgres/pg-store.ts).

import type { ClaimRequest, Completion, JobPage, JobRecord, JobStatus } from '../store.ts';
import { toJob } from '../sqlite/job-rows.ts';
import { num, type Row } from '../sqlite/rows.ts';

/**
 * The values CLAIMABLE binds, from the claimer's row (owner_key_id, score_ppm, paused_at, since)
 * and, with --min-bond, its exposure (what it has bonded, what it holds and runs).
 */
export function claimerParams(request: ClaimRequest, row: Row, exposure: { bonded: bigint; held: bigint }) {
  return {
    minerId: request.minerId,
    now: request.now,
    ownerKeyId: row.owner_key_id as string,
    scorePpm: num(row.score_ppm),
    paused: row.paused_at === null ? 0 : 1,
    jobsSinceProbation: num(row.since),
    probationJobs: request.probationJobs,
    trusted: request.trusted ? 1 : 0,
    minBond: (request.minBondMicro ?? 0n) === 0n ? 0 : 1,
    bondedMicro: exposure.bonded,
    heldMicro: exposure.held,
  };
}

/** The completion UPDATE's values (the columns it sets, and the claim it is guarded on). */
export function completionParams(completion: Completion) {
  return {
    now: completion.now,
    output: completion.output,
    outputData: completion.outputData === null ? null : JSON.stringify(completion.outputData),
    promptTokens: completion.promptTokens,
    completionTokens: completion.completionTokens,
    price: completion.priceMicro,
    receiptId: completion.receipt.receipt_id,
    modelDigest: completion.receipt.model_digest ?? null,
    backend: completion.receipt.backend ?? null,
    jobId: completion.jobId,
    minerId: completion.minerId,
    nonce: completion.claimNonce,
  };
}

/** The receipt row a completion stores, in INSERT_RECEIPT's order. */
export const INSERT_RECEIPT = 'INSERT INTO receipts (receipt_id, job_id, miner_id, account, body, price_micro, miner_key, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)';
export const receiptValues = (completion: Completion, job: JobRecord) => [
  completion.receipt.receipt_id,
  job.jobId,
  completion.minerId,
  job.account,
  JSON.stringify(completion.receipt),
  completion.priceMicro,
  completion.minerPublicKey,
  completion.now,
];

/** The error a failed attempt leaves on the job: re-queued, failed after its retries, or failed for good. */
export function failureError(job: JobRecord, input: { minerId: string; reason: string; retryable: boolean }, requeue: boolean): string {
  if (requeue) return `attempt ${job.attempts} failed on miner ${input.minerId}: ${input.reason}`;
  return input.retryable ? `failed after ${job.attempts} attempts; last on miner ${input.minerId}: ${input.reason}` : `miner ${input.minerId}: ${input.reason}`;
}

export interface JobListQuery {
  status: JobStatus | null;
  limit: number;
  after: { createdAt: number; jobId: string } | null;
}

/** listJobs' SELECT (newest first, one more row than the page, to tell whether more follow) and its values. */
export function jobListStatement(account: string, query: JobListQuery): { sql: string; params: Record<string, unknown> } {
  const conditions = ['account = @account'];
  if (query.status) conditions.push('status = @status');
  if (query.after) conditions.push('(created_at < @afterCreatedAt OR (created_at = @afterCreatedAt AND job_id < @afterJobId))');
  return {
    sql: `SELECT * FROM jobs WHERE ${conditions.join(' AND ')} ORDER BY created_at DESC, job_id DESC LIMIT @take`,
    params: { account, status: query.status, afterCreatedAt: query.after?.createdAt ?? null, afterJobId: query.after?.jobId ?? null, take: query.limit + 1 },
  };
}

/** The page from jobListStatement's rows. */
export function jobPage(rows: Row[], limit: number): JobPage {
  const items = rows.slice(0, limit).map(toJob);
  const last = items.at(-1);
  return { items, next: rows.length > limit && last ? { createdAt: last.createdAt, jobId: last.jobId } : null };
}
