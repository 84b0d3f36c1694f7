// Records → wire shapes: bigint µAIT becomes a decimal string, epoch ms an RFC 3339 string.

import { capabilityNames, formatAmount } from '@aitbc/protocol';
import type { ApiKeyRecord, CheckRecord, JobRecord, MinerRecord, MinerTrackRecord, ReceiptListing } from '../store/store.ts';
import type { VerificationState } from '../services/jobs.ts';
import type { Claim } from '../services/miners.ts';
import { receiptTemplateFor } from '../services/receipt-check.ts';

export const iso = (ms: number): string => new Date(ms).toISOString();
const isoOrNull = (ms: number | null): string | null => (ms === null ? null : iso(ms));

export function keyView(key: ApiKeyRecord) {
  return {
    key_id: key.keyId,
    scopes: key.scopes,
    account: key.account,
    expires_at: isoOrNull(key.expiresAt),
    created_at: iso(key.createdAt),
    revoked_at: isoOrNull(key.revokedAt),
    rate_limit_per_minute: key.rateLimitPerMinute,
    daily_job_quota: key.dailyJobQuota,
  };
}

export function createdJobView(job: JobRecord) {
  return { job_id: job.jobId, status: job.status, model: job.model, max_price: formatAmount(job.maxPriceMicro), created_at: iso(job.createdAt), deadline: iso(job.deadline) };
}

export function jobView(job: JobRecord) {
  return {
    job_id: job.jobId,
    status: job.status,
    model: job.model,
    kind: job.kind,
    max_price: formatAmount(job.maxPriceMicro),
    price: job.priceMicro === null ? null : formatAmount(job.priceMicro),
    miner_id: job.minerId,
    attempts: job.attempts,
    created_at: iso(job.createdAt),
    started_at: isoOrNull(job.claimedAt),
    completed_at: job.status === 'completed' ? isoOrNull(job.endedAt) : null,
    deadline: iso(job.deadline),
    error: job.error,
    receipt_id: job.receiptId,
  };
}

/** The client's view: the job, its re-execution's state when it asked for verify, its acceptance window and dispute. */
export function clientJobView(job: JobRecord, verification: VerificationState | null) {
  return {
    ...jobView(job),
    verify: job.verify,
    verification: verification && { status: verification.status, job_id: verification.rerunJobId, detail: verification.detail },
    accept_until: isoOrNull(job.acceptUntil),
    dispute: job.dispute && {
      status: job.dispute.state,
      reason: job.dispute.reason,
      check_id: job.dispute.checkId,
      detail: job.dispute.detail,
      opened_at: iso(job.dispute.openedAt),
      decided_at: isoOrNull(job.dispute.decidedAt),
    },
  };
}

export function claimView({ job, miner }: Claim, chainId: string, stream: boolean) {
  return {
    job_id: job.jobId,
    model: job.model,
    kind: job.kind,
    prompt: job.prompt,
    params: job.params,
    max_price: formatAmount(job.maxPriceMicro),
    unit_price: formatAmount(job.unitPriceMicro!),
    deadline: iso(job.deadline),
    claimed_at: iso(job.claimedAt!),
    lease_expires_at: iso(job.leaseExpiresAt!),
    attempt: job.attempts,
    client: job.receiptClient,
    receipt_template: receiptTemplateFor(job, miner, chainId),
    stream,
  };
}

export function minerView(miner: MinerRecord, online: boolean) {
  return {
    miner_id: miner.minerId,
    public_key: miner.publicKey,
    payout_address: miner.payoutAddress,
    models: [...miner.prices.keys()],
    prices: Object.fromEntries([...miner.prices].map(([model, price]) => [model, formatAmount(price)])),
    max_concurrency: miner.maxConcurrency,
    gpu: miner.gpu,
    digests: Object.fromEntries(miner.digests),
    capabilities: Object.fromEntries([...miner.capabilities].map(([model, offering]) => [model, { capabilities: capabilityNames(offering.bits), context_length: offering.contextLength }])),
    status: online ? ('online' as const) : ('offline' as const),
    last_seen_at: iso(miner.lastSeenAt),
    registered_at: iso(miner.registeredAt),
    paused: miner.track.pausedAt !== null,
    pause_reason: miner.track.pauseReason,
    needs_review: miner.track.needsReview,
    reputation: reputationView(miner.track),
  };
}

export function checkView(check: CheckRecord) {
  return {
    check_id: check.checkId,
    kind: check.kind,
    miner_id: check.minerId,
    subject_job_id: check.subjectJobId,
    check_job_id: check.checkJobId,
    tiebreak_job_ids: check.tiebreakJobIds,
    failed_miner_ids: check.failedMinerIds,
    verdict: check.verdict,
    rule: check.rule,
    detail: check.detail,
    created_at: iso(check.createdAt),
    decided_at: isoOrNull(check.decidedAt),
  };
}

export function reputationView(track: MinerTrackRecord) {
  return {
    score: track.scorePpm / 1_000_000,
    paused: track.pausedAt !== null,
    verified_jobs: track.canariesPassed + track.reexecutionsAgreed,
    jobs_completed: track.jobsCompleted,
    jobs_failed: track.jobsFailed,
    lease_lapses: track.leaseLapses,
    canaries_passed: track.canariesPassed,
    canaries_failed: track.canariesFailed,
    reexecutions_agreed: track.reexecutionsAgreed,
    reexecutions_disagreed: track.reexecutionsDisagreed,
    uptime_s: Math.floor(track.uptimeMs / 1000),
    first_seen_at: iso(track.firstSeenAt),
  };
}

export function receiptListView(receipt: ReceiptListing) {
  const { settlement } = receipt;
  return {
    receipt_id: receipt.receiptId,
    job_id: receipt.jobId,
    miner_id: receipt.minerId,
    account: receipt.account,
    model: receipt.model,
    price: formatAmount(receipt.priceMicro),
    units: receipt.units,
    created_at: iso(receipt.createdAt),
    released_at: isoOrNull(receipt.releasedAt),
    claimed_at: isoOrNull(receipt.claimedAt),
    settled_at: isoOrNull(receipt.settledAt),
    refunded_at: isoOrNull(receipt.refundedAt),
    settlement: settlement === null ? null : { outbox_id: settlement.outboxId, state: settlement.state, tx_hash: settlement.txHash, block_height: settlement.blockHeight },
  };
}
