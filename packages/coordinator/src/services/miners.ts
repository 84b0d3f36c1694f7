// The miner side of the marketplace: register, heartbeat, long-poll claims, complete, fail.
// Every call is checked against the key that registered the miner, and every job transition is
// guarded in the store on the job's state, its miner and the claim's nonce.

import { ApiError, addressFromPublicKey, formatAmount, isValidAddress, parsePublicKey, publicKeyFromSecret, randomHex, redactLocators, signReceipt, capabilityBits, type ModelCapabilities, type Receipt } from '@aitbc/protocol';
import type { CoordinatorConfig } from '../config.ts';
import type { ClaimRequest, Completion, CompletionOutcome, CoordinatorStore, GpuInfo, JobRecord, MinerRecord, ModelOffering } from '../store/store.ts';
import { mayVerify } from '../verification/sampling.ts';
import { itemOutcome, parseMoneyField, terminalError } from './jobs.ts';
import type { CoordinatorMetrics } from './metrics.ts';
import type { MinerDirectory } from './miner-directory.ts';
import type { Principal } from './principal.ts';
import { checkedOutputData, type OutputExtras } from './completion-output.ts';
import { canonicalOutput } from './job-kinds.ts';
import { checkMinerReceipt, verifyMinerSignaturesAhead } from './receipt-check.ts';
import type { StreamHub } from './stream-hub.ts';
import type { VerificationService } from './verification.ts';
import type { WorkSignal } from './work-signal.ts';

/**
 * A job claimed this recently may be missing from a heartbeat's `jobs` only because the claim's
 * answer and the heartbeat crossed on the wire; it lapses at the next heartbeat if still unlisted.
 */
const HELD_CLAIM_GRACE_MS = 15_000;

/** Re-check the queue at least this often while waiting (jobs can arrive from another process). */
const POLL_RECHECK_MS = 2_000;

export interface RegisterInput {
  miner_id: string;
  public_key: string;
  payout_address?: string | undefined;
  models: string[];
  max_concurrency?: number | undefined;
  prices: Record<string, string>;
  gpu?: GpuInfo | undefined;
  digests?: Record<string, string> | undefined;
  /** Per model: what its backend supports (DEFAULT_CAPABILITIES for a model left out). */
  capabilities?: Record<string, ModelCapabilities> | undefined;
}

export interface CompleteInput extends OutputExtras {
  miner_id: string;
  /** The generated text ('' for an embedding job). */
  output: string;
  usage: { prompt_tokens: number; completion_tokens: number };
  receipt: unknown;
}

export interface FailInput {
  miner_id: string;
  reason: string;
  retryable?: boolean | undefined;
}

export interface Claim {
  job: JobRecord;
  miner: MinerRecord;
}

export class MinerService {
  constructor(
    private readonly store: CoordinatorStore,
    private readonly directory: MinerDirectory,
    private readonly signal: WorkSignal,
    private readonly config: CoordinatorConfig,
    private readonly coordinatorSecretKey: Uint8Array,
    private readonly hub: StreamHub,
    private readonly verification: VerificationService,
    private readonly metrics: CoordinatorMetrics,
  ) {
    this.clearingAddress = addressFromPublicKey(publicKeyFromSecret(coordinatorSecretKey));
  }

  /**
   * The address of this coordinator's key: with a chain it is the clearing address that holds
   * every client's money, so paying a miner there would only move money inside the books.
   */
  private readonly clearingAddress: string;

  private get leaseMs(): number {
    return this.config.leaseSeconds * 1000;
  }

  async register(principal: Principal, input: RegisterInput): Promise<{ miner: MinerRecord; created: boolean }> {
    let publicKey: Uint8Array;
    try {
      publicKey = parsePublicKey(input.public_key);
    } catch (error) {
      throw new ApiError('VALIDATION_INVALID_FORMAT', `Field 'public_key' ${(error as Error).message}`, { field: 'public_key' });
    }
    if (input.payout_address !== undefined && !isValidAddress(input.payout_address)) {
      throw new ApiError('VALIDATION_INVALID_FORMAT', "Field 'payout_address' must be an AITBC address (ait1…, bech32m)", { field: 'payout_address' });
    }
    // Without a payout address the miner is paid at the address of its own signing key.
    const payoutAddress = input.payout_address ?? addressFromPublicKey(publicKey);
    if (payoutAddress === this.clearingAddress) throw clearingPayout(input.payout_address === undefined);
    const prices = new Map<string, bigint>();
    for (const model of input.models) {
      const price = input.prices[model];
      if (price === undefined) throw new ApiError('VALIDATION_MISSING_FIELD', `Field 'prices.${model}' is required: every model needs a price per token`, { field: `prices.${model}` });
      prices.set(model, parseMoneyField(price, `prices.${model}`));
    }
    for (const model of Object.keys(input.prices)) {
      if (!prices.has(model)) throw new ApiError('VALIDATION_INVALID_FORMAT', `Field 'prices.${model}' prices a model that is not in 'models'`, { field: `prices.${model}` });
    }
    const digests = new Map(Object.entries(input.digests ?? {}));
    for (const model of digests.keys()) {
      if (!prices.has(model)) throw new ApiError('VALIDATION_INVALID_FORMAT', `Field 'digests.${model}' names a model that is not in 'models'`, { field: `digests.${model}` });
    }
    const capabilities = new Map<string, ModelOffering>();
    for (const [model, offered] of Object.entries(input.capabilities ?? {})) {
      if (!prices.has(model)) throw new ApiError('VALIDATION_INVALID_FORMAT', `Field 'capabilities.${model}' names a model that is not in 'models'`, { field: `capabilities.${model}` });
      capabilities.set(model, { bits: capabilityBits(offered.capabilities), contextLength: offered.context_length ?? null });
    }
    const outcome = await this.store.registerMiner(
      {
        minerId: input.miner_id,
        ownerKeyId: principal.keyId,
        publicKey: input.public_key,
        payoutAddress,
        maxConcurrency: input.max_concurrency ?? 1,
        gpu: input.gpu ?? null,
        prices,
        digests,
        capabilities,
      },
      this.config.now(),
    );
    if (outcome.kind === 'owned_by_other') {
      throw new ApiError('MINER_ALREADY_REGISTERED', `Miner id ${input.miner_id} is registered by another key; choose a different miner_id`);
    }
    this.directory.marketChanged();
    await this.directory.minerChanged(input.miner_id);
    return { miner: outcome.miner, created: outcome.created };
  }

  /**
   * Marks the miner alive and extends the leases of the jobs it says it runs (`jobs`; every job
   * it holds here when a miner does not say). A job it holds here but did not list is one it no
   * longer runs — a restarted miner does not know its dead predecessor's jobs — so it lapses at
   * once: back to the queue for another attempt, or failed and refunded when attempts are spent.
   */
  async heartbeat(principal: Principal, minerId: string, jobs?: string[]) {
    await this.directory.requireOwned(principal, minerId, true);
    const now = this.config.now();
    const held = jobs === undefined ? null : { jobIds: jobs, claimedBefore: now - HELD_CLAIM_GRACE_MS };
    // Heartbeats further apart than the miner timeout leave the miner offline in between: no uptime.
    const { runningJobIds, unlisted } = await this.store.heartbeat(minerId, now, this.leaseMs, held, this.config.minerTimeoutSeconds * 1000);
    for (const jobId of unlisted) {
      try {
        await this.failHeld(jobId, minerId, `miner ${minerId} no longer runs the job (it restarted or lost it)`, true, true);
      } catch (error) {
        if (!(error instanceof ApiError)) throw error; // completed, cancelled or expired meanwhile
      }
    }
    return { minerId, runningJobIds, lapsedJobIds: unlisted, leaseExpiresAt: runningJobIds.length > 0 ? now + this.leaseMs : null };
  }

  /**
   * Long-poll: claims the oldest matching job, waiting up to `waitSeconds` for one to appear.
   * Returns null when none came. A miner already at max_concurrency is told so at once.
   */
  async poll(principal: Principal, minerId: string, waitSeconds: number, abort?: AbortSignal): Promise<Claim | null> {
    return (await this.pollMany(principal, minerId, 1, waitSeconds, abort))[0] ?? null;
  }

  /**
   * Long-poll for up to `maxJobs` jobs, claimed in one transaction as soon as any is claimable
   * (oldest first; fewer when the miner's free slots or bond cover fewer): waits up to
   * `waitSeconds` for the first, never for more. Empty when none came; a miner with no free slot
   * is told so at once.
   */
  async pollMany(principal: Principal, minerId: string, maxJobs: number, waitSeconds: number, abort?: AbortSignal): Promise<Claim[]> {
    // Its standing here only picks which waiter a new job wakes: claimNext judges it on the row.
    const miner = await this.directory.requireOwned(principal, minerId, true);
    await this.requireBond(miner);
    const trusted = this.config.verification.trustedMiners.has(minerId);
    const who = {
      minerId,
      models: new Set(miner.prices.keys()),
      ownerKeyId: miner.ownerKeyId,
      digests: miner.digests,
      scorePpm: miner.track.scorePpm,
      paused: miner.track.pausedAt !== null,
      mayVerify: mayVerify({ jobsSinceProbation: miner.track.jobsCompleted - miner.track.probationStartJobs, trusted, paused: miner.track.pausedAt !== null }, this.config.verification),
    };
    // Waiting is wall-clock time (a monotonic timer), unlike job times, which follow config.now.
    const waitUntil = performance.now() + Math.min(waitSeconds, this.config.maxWaitSeconds) * 1000;
    for (;;) {
      const generation = this.signal.generation;
      const outcome = await this.store.claimMany({ ...this.claimRequest(minerId, this.config.now()), nonces: Array.from({ length: maxJobs }, () => randomHex(16)) });
      if (outcome.kind === 'capacity_full') throw capacityFull(miner, outcome.running);
      if (outcome.jobs.length > 0) {
        if (abort?.aborted) {
          // The miner hung up while we claimed: give the jobs back rather than wait for the lease.
          for (const job of outcome.jobs) {
            await this.store.releaseClaim(job.jobId, minerId, job.claimNonce!, this.config.now());
            this.signal.notify(job);
          }
          return [];
        }
        for (const job of outcome.jobs) this.metrics.claimed(job);
        return outcome.jobs.map((job) => ({ job, miner }));
      }
      const remaining = waitUntil - performance.now();
      if (remaining <= 0 || abort?.aborted || this.signal.closed) return [];
      await this.signal.wait(generation, Math.min(remaining, POLL_RECHECK_MS), who, abort);
    }
  }

  /**
   * With --min-bond, a miner gets work only with that much bonded, as final blocks show: on its
   * registered key, from its payout address (anyone could bond someone else's key first).
   */
  private async requireBond(miner: MinerRecord): Promise<void> {
    const minimum = this.config.minBondMicro;
    if (minimum === 0n) return;
    const bond = (await this.store.minerBond(miner.minerId))!;
    const bonded = bond.counts ? bond.bondedMicro : 0n;
    if (bonded >= minimum) return;
    const squatted = bond.address !== null && !bond.counts ? ` (its key is bonded by ${bond.address}, not by its payout address ${miner.payoutAddress}: only a bond from the payout address counts)` : '';
    throw new ApiError(
      'PAYMENT_INSUFFICIENT_BALANCE',
      `Miner ${miner.minerId} has ${formatAmount(bonded)} AITBC bonded${squatted}; this coordinator gives work only to miners with at least ${formatAmount(minimum)} AITBC bonded on their key. ` +
        `From the payout wallet (${miner.payoutAddress}): aitbc wallet bond <wallet> ${formatAmount(minimum - bonded)} --miner-key ${miner.publicKey}; it counts once its block is final`,
    );
  }

  /** The store judges the miner's standing itself; it is told the policy's inputs it cannot know. */
  private claimRequest(minerId: string, now: number): Omit<ClaimRequest, 'nonce'> {
    return {
      minerId,
      now,
      leaseMs: this.leaseMs,
      probationJobs: this.config.verification.probationJobs,
      trusted: this.config.verification.trustedMiners.has(minerId),
      minBondMicro: this.config.minBondMicro,
    };
  }

  async claim(principal: Principal, jobId: string, minerId: string): Promise<Claim> {
    const miner = await this.directory.requireOwned(principal, minerId);
    await this.requireBond(miner);
    const now = this.config.now();
    await this.store.expireDue(now, jobId);
    const outcome = await this.store.claimJob(jobId, { ...this.claimRequest(minerId, now), nonce: randomHex(16) });
    switch (outcome.kind) {
      case 'claimed':
        this.metrics.claimed(outcome.job);
        return { job: outcome.job, miner };
      case 'not_found':
        throw new ApiError('JOB_NOT_FOUND', `Job ${jobId} not found`);
      case 'capacity_full':
        throw capacityFull(miner, outcome.running);
      case 'unavailable':
        throw unavailable(outcome.job, miner);
    }
  }

  async complete(principal: Principal, jobId: string, input: CompleteInput): Promise<{ job: JobRecord; receipt: Receipt }> {
    const miner = await this.directory.requireOwned(principal, input.miner_id);
    const completion = await this.checkCompletion(miner, jobId, input, this.config.now());
    return this.finishCompletion(miner, completion, await this.store.completeJob(completion));
  }

  /**
   * Completions of several held jobs in one store transaction, each checked as complete() checks
   * it: the answer per item, in order, is its result or the ApiError it alone got (`field` under
   * `completions.<i>.`); a bad receipt or a job no longer held refuses only its own item.
   */
  async completeMany(principal: Principal, minerId: string, items: (Omit<CompleteInput, 'miner_id'> & { job_id: string })[]): Promise<({ job: JobRecord; receipt: Receipt } | ApiError)[]> {
    const miner = await this.directory.requireOwned(principal, minerId);
    const verifiedAhead = await verifyMinerSignaturesAhead(items.map((item) => item.receipt), miner.publicKey);
    const now = this.config.now();
    const results: ({ job: JobRecord; receipt: Receipt } | ApiError | Completion)[] = [];
    for (const [index, { job_id: jobId, ...input }] of items.entries()) {
      results.push(await itemOutcome(index, () => this.checkCompletion(miner, jobId, { ...input, miner_id: minerId }, now, verifiedAhead), 'completions'));
    }
    const checked = results.flatMap((result, index) => (result instanceof ApiError ? [] : [{ index, completion: result as Completion }]));
    const outcomes = checked.length === 0 ? [] : await this.store.completeJobs(checked.map(({ completion }) => completion));
    // `miner` was read before the batch: each completion's verification sees the ones before it counted.
    let completed = 0;
    for (const [n, { index, completion }] of checked.entries()) {
      const asOf = { ...miner, track: { ...miner.track, jobsCompleted: miner.track.jobsCompleted + completed } };
      if (outcomes[n]!.kind === 'done') completed++;
      results[index] = await itemOutcome(index, () => this.finishCompletion(asOf, completion, outcomes[n]!), 'completions');
    }
    return results as ({ job: JobRecord; receipt: Receipt } | ApiError)[];
  }

  /** Everything complete() checks before the store: the job is held, the output is what was streamed, the receipt verifies; the co-signed completion to write. */
  private async checkCompletion(miner: MinerRecord, jobId: string, input: CompleteInput, now: number, verifiedAhead?: WeakSet<object>): Promise<Completion> {
    // A job past its deadline is expired inside completeJob's transaction (→ JOB_EXPIRED).
    const job = await this.heldJob(jobId, miner.minerId);
    if (!(await this.hub.matchesRelayed(job, input.output))) await this.refuseUnstreamedOutput(job, input.output);
    const outputData = checkedOutputData(job, input.output, input);
    const { receipt: minerSigned, priceMicro } = checkMinerReceipt({
      receipt: input.receipt,
      job,
      miner,
      chainId: this.config.chainId,
      output: canonicalOutput({ kind: job.kind, output: input.output, outputData })!,
      promptTokens: input.usage.prompt_tokens,
      completionTokens: input.usage.completion_tokens,
      now,
      verifiedAhead,
    });
    // The co-signature covers the same bytes; nothing else is added to the receipt.
    const receipt = signReceipt(minerSigned, 'coordinator', this.coordinatorSecretKey);
    return {
      jobId,
      minerId: miner.minerId,
      claimNonce: job.claimNonce!,
      output: input.output,
      outputData,
      promptTokens: input.usage.prompt_tokens,
      completionTokens: input.usage.completion_tokens,
      priceMicro,
      receipt,
      minerPublicKey: miner.publicKey,
      now,
      // A verify job's re-run goes to another owner's miner with the weights this receipt names.
      release: job.verify ? { requiredDigest: receipt.model_digest ?? null, excludedOwners: [miner.ownerKeyId], deadline: now + (job.deadline - job.createdAt) } : null,
    };
  }

  private async finishCompletion(miner: MinerRecord, { jobId, receipt }: Completion, outcome: CompletionOutcome): Promise<{ job: JobRecord; receipt: Receipt }> {
    // Refused here means the job moved (cancelled, expired, lease lapsed) between the check and the write.
    if (outcome.kind === 'refused') throw notHeld(outcome.job, jobId, miner.minerId);
    this.hub.completed(jobId, outcome.job, receipt);
    this.metrics.completed(outcome.job);
    if (outcome.released) this.signal.notify(outcome.released);
    await this.verification.afterCompletion(outcome.job, miner);
    return { job: outcome.job, receipt };
  }

  /**
   * The client was shown text that this output is not: no receipt could cover what it saw, so
   * the completion is refused and the job fails at once, refunded (the client cannot un-see the
   * text, and a re-run elsewhere would show it something else).
   */
  private async refuseUnstreamedOutput(job: JobRecord, output: string): Promise<never> {
    const relayed = await this.hub.relayedChars(job);
    const shown = relayed === null ? "the text its client's coordinator could not confirm" : `the ${relayed} characters it streamed to the client`;
    const reason = `its completion's output (${output.length} characters) is not ${shown}`;
    await this.failHeld(job.jobId, job.minerId!, reason, false);
    throw new ApiError(
      'VALIDATION_INVALID_FORMAT',
      relayed === null
        ? `Field 'output' must be exactly the text streamed for job ${job.jobId}, which the coordinator its client reached could not confirm; the job failed and its client was refunded`
        : `Field 'output' must be exactly the text streamed for job ${job.jobId} (${relayed} characters were relayed to its client), got ${output.length} characters that differ; the job failed and its client was refunded`,
      { field: 'output' },
    );
  }

  async fail(principal: Principal, jobId: string, input: FailInput): Promise<JobRecord> {
    const miner = await this.directory.requireOwned(principal, input.miner_id, true);
    // Clients read the reason: whatever the miner sent, no URL, host or path of its machines gets through.
    return this.failHeld(jobId, miner.minerId, redactLocators(input.reason), input.retryable ?? true);
  }

  /** The miner's stream broke (or was closed for breaking the rules) before it said it was done: the job fails for good and is refunded. */
  async abandonStream(jobId: string, minerId: string, reason: string): Promise<void> {
    try {
      await this.failHeld(jobId, minerId, reason, false);
    } catch (error) {
      if (!(error instanceof ApiError)) throw error; // it completed, or was cancelled or expired meanwhile
    }
  }

  /** `lapse`: the miner no longer holds the job, which its record counts as a lease lapse, not a failure it reported. */
  private async failHeld(jobId: string, minerId: string, reason: string, retryable: boolean, lapse = false): Promise<JobRecord> {
    // A client already has part of this job's output (or may have: null), so running it again elsewhere would repeat it.
    const rerun = retryable && (await this.rerunnable(jobId));
    const outcome = await this.store.failJob({
      jobId,
      minerId,
      reason,
      lapse,
      retryable: rerun,
      now: this.config.now(),
      maxAttempts: this.config.maxAttempts,
    });
    if (outcome.kind === 'refused') throw notHeld(outcome.job, jobId, minerId);
    if (outcome.job.status === 'queued') this.signal.notify(outcome.job);
    else this.hub.failed(jobId, new ApiError('SYSTEM_UPSTREAM_ERROR', `The miner failed the job: ${reason}. Its escrow was refunded; retry the request`));
    return outcome.job;
  }

  /** For the miner's stream: the job must be running on a miner this key registered. */
  async requireHeld(principal: Principal, jobId: string, minerId: string): Promise<void> {
    const miner = await this.directory.requireOwned(principal, minerId, true);
    await this.heldJob(jobId, miner.minerId);
  }

  /** Nothing of the job's output has reached a client (one watching it live), so another miner may run it from the start. */
  private async rerunnable(jobId: string): Promise<boolean> {
    const job = await this.store.getJob(jobId);
    return job !== null && (await this.hub.relayedChars(job)) === 0;
  }

  private async heldJob(jobId: string, minerId: string): Promise<JobRecord> {
    const job = await this.store.getJob(jobId);
    if (!job || job.status !== 'running' || job.minerId !== minerId) throw notHeld(job, jobId, minerId);
    return job;
  }
}

function clearingPayout(derived: boolean): ApiError {
  const detail = derived
    ? "public_key is this coordinator's own key, so the default payout address (that key's address) would be its clearing address, which holds clients' money; register with a signing key of your own (aitbc miner makes one), or give payout_address an ait1… address of a wallet you hold"
    : "Field 'payout_address' is this coordinator's own clearing address (GET /v1/coordinator), which holds clients' money; give an ait1… address of a wallet you hold (aitbc wallet create), or omit it to be paid at the address of your own public_key";
  return new ApiError('VALIDATION_INVALID_FORMAT', detail, { field: 'payout_address' });
}

function capacityFull(miner: MinerRecord, running: number): ApiError {
  return new ApiError('MINER_CAPACITY_FULL', `Miner ${miner.minerId} already runs ${running} of ${miner.maxConcurrency} jobs; complete or fail one before polling again`, {
    retryAfterSeconds: 1,
  });
}

/** Why this miner cannot act on a job it does not hold, in the code docs/API.md gives. */
function notHeld(job: JobRecord | null, jobId: string, minerId: string): ApiError {
  if (!job) return new ApiError('JOB_NOT_FOUND', `Job ${jobId} not found`);
  if (job.status === 'running') {
    return job.minerId === minerId
      ? new ApiError('JOB_INVALID_STATUS', `Job ${jobId} was re-claimed since your receipt was built; use the latest claim`)
      : new ApiError('JOB_ALREADY_CLAIMED', `Job ${jobId} is held by another miner`);
  }
  if (job.status === 'queued') {
    return new ApiError('JOB_INVALID_STATUS', `Job ${jobId} is queued, not held by miner ${minerId}: its lease lapsed (heartbeat more often than every lease) or it was never claimed`);
  }
  return terminalError(job);
}

function unavailable(job: JobRecord, miner: MinerRecord): ApiError {
  if (job.status !== 'queued') return job.status === 'running' ? new ApiError('JOB_ALREADY_CLAIMED', `Job ${job.jobId} is held by another miner`) : terminalError(job);
  if (job.pinnedMinerId !== null && job.pinnedMinerId !== miner.minerId) return new ApiError('JOB_ALREADY_CLAIMED', `Job ${job.jobId} is reserved for another miner`);
  if (!miner.prices.has(job.model)) {
    return new ApiError('VALIDATION_INVALID_MODEL', `Job ${job.jobId} needs model '${job.model}', which miner ${miner.minerId} did not register`, { field: 'model' });
  }
  if (job.maxPriceMicro / BigInt(job.minUnits) < miner.prices.get(job.model)!) {
    return new ApiError('JOB_INVALID_STATUS', `Job ${job.jobId} pays at most its max_price, below this miner's price for ${job.minUnits} tokens`);
  }
  if (miner.track.pausedAt !== null) {
    return new ApiError('JOB_INVALID_STATUS', `Miner ${miner.minerId} is paused (${miner.track.pauseReason ?? 'a failed check'}); it gets no new work until it resumes (GET /v1/miners/${miner.minerId})`);
  }
  // Its digest, owner, score or a deadline keeps it from this miner: which one is the job's business.
  return new ApiError('JOB_ALREADY_CLAIMED', `Job ${job.jobId} is reserved for other miners`);
}
