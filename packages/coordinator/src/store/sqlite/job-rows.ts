// Job rows: reading one into a JobRecord, and inserting a new one (the INSERT and its values are
// shared with the PostgreSQL engine, src/store/postgres/pg-job-rows.ts).

import type { Statement } from 'better-sqlite3';
import type { JobPurpose } from '../../verification/sampling.ts';
import type { JobKind } from '@aitbc/protocol';
import type { DisputeState, JobOutputData, JobRecord, JobStatus, NewJob } from '../store.ts';
import { bigOrNull, num, numOrNull, strOrNull, type Row } from './rows.ts';

export function toJob(row: Row): JobRecord {
  return {
    jobId: row.job_id as string,
    account: row.account as string,
    model: row.model as string,
    kind: row.kind as JobKind,
    prompt: row.prompt as string,
    requires: num(row.requires),
    params: JSON.parse(row.params as string),
    maxPriceMicro: row.max_price_micro as bigint,
    minUnits: num(row.min_units),
    pinnedMinerId: strOrNull(row.pinned_miner_id),
    status: row.status as JobStatus,
    attempts: num(row.attempts),
    createdAt: num(row.created_at),
    queuedAt: num(row.queued_at),
    deadline: num(row.deadline),
    minerId: strOrNull(row.miner_id),
    claimedAt: numOrNull(row.claimed_at),
    leaseExpiresAt: numOrNull(row.lease_expires_at),
    claimNonce: strOrNull(row.claim_nonce),
    unitPriceMicro: bigOrNull(row.unit_price_micro),
    endedAt: numOrNull(row.ended_at),
    output: strOrNull(row.output),
    outputData: row.output_data === null ? null : (JSON.parse(row.output_data as string) as JobOutputData),
    promptTokens: numOrNull(row.prompt_tokens),
    completionTokens: numOrNull(row.completion_tokens),
    priceMicro: bigOrNull(row.price_micro),
    receiptId: strOrNull(row.receipt_id),
    error: strOrNull(row.error),
    purpose: row.purpose as JobPurpose,
    subjectJobId: strOrNull(row.subject_job_id),
    canaryId: numOrNull(row.canary_id),
    requiredDigest: strOrNull(row.required_digest),
    excludedOwners: JSON.parse(row.excluded_owners as string) as string[],
    minReputationPpm: num(row.min_reputation_ppm),
    verify: num(row.verify) === 1,
    awaitingSubject: num(row.awaiting_subject) === 1,
    live: num(row.live) === 1,
    receiptClient: (row.receipt_client as string | null) ?? (row.account as string),
    modelDigest: strOrNull(row.model_digest),
    backend: strOrNull(row.backend),
    acceptanceWindowMs: num(row.acceptance_window_ms),
    acceptUntil: numOrNull(row.accept_until),
    dispute:
      row.dispute_state === null
        ? null
        : {
            state: row.dispute_state as DisputeState,
            reason: row.dispute_reason as string,
            openedAt: num(row.disputed_at),
            checkId: num(row.dispute_check_id),
            detail: strOrNull(row.dispute_detail),
            decidedAt: numOrNull(row.dispute_decided_at),
          },
  };
}

/** The INSERT of a queued job, with `@name` placeholders both engines take (values from jobInsertParams). */
export const INSERT_JOB = `INSERT INTO jobs (job_id, account, model, kind, prompt, requires, params, max_price_micro, min_units, pinned_miner_id, status, created_at, queued_at, deadline,
     purpose, subject_job_id, canary_id, required_digest, excluded_owners, min_reputation_ppm, verify, awaiting_subject, receipt_client, acceptance_window_ms, live)
   VALUES (@jobId, @account, @model, @kind, @prompt, @requires, @params, @maxPrice, @minUnits, @pinned, 'queued', @createdAt, @createdAt, @deadline,
     @purpose, @subject, @canary, @digest, @excluded, @minReputation, @verify, @awaiting, @receiptClient, @window, @live)`;

/** INSERT_JOB's values: every column a new job sets, the verification constraints defaulting to those of a plain client job. */
export function jobInsertParams(job: NewJob): Record<string, unknown> {
  return {
    jobId: job.jobId,
    account: job.account,
    model: job.model,
    kind: job.kind,
    prompt: job.prompt,
    requires: job.requires,
    params: JSON.stringify(job.params),
    maxPrice: job.maxPriceMicro,
    minUnits: job.minUnits,
    pinned: job.pinnedMinerId,
    createdAt: job.createdAt,
    deadline: job.deadline,
    purpose: job.purpose ?? 'client',
    subject: job.subjectJobId ?? null,
    canary: job.canaryId ?? null,
    digest: job.requiredDigest ?? null,
    excluded: JSON.stringify(job.excludedOwners ?? []),
    minReputation: job.minReputationPpm ?? 0,
    verify: job.verify ? 1 : 0,
    awaiting: job.awaitingSubject ? 1 : 0,
    receiptClient: job.receiptClient ?? job.account,
    window: job.acceptanceWindowMs ?? 0,
    live: job.live ? 1 : 0,
  };
}

/** Inserts a queued job (no escrow: the caller posts it in the same transaction); the row as stored, defaults included. */
export function insertJob(sql: (text: string) => Statement, job: NewJob): JobRecord {
  return toJob(sql(`${INSERT_JOB} RETURNING *`).get(jobInsertParams(job)) as Row);
}
