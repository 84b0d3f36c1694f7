// The client side of the marketplace: submit, read, list, cancel, fetch results. Knows nothing of
// HTTP; throws ApiError with the seed's codes.

import { randomInt } from 'node:crypto';
import { AmountRangeError, ApiError, canonicalize, capabilityBits, formatAmount, MAX_TOKENS_LIMIT, newId, parseAmount, sha256Hex, type Capability, type JobKind } from '@aitbc/protocol';
import type { CoordinatorConfig } from '../config.ts';
import type { BatchSubmit, CheckVerdict, CoordinatorStore, JobParams, JobRecord, JobStatus, ModelOffer, NewJob, StoredReceipt, SubmitOutcome } from '../store/store.ts';
import { needsOf, type JobNeeds } from './job-kinds.ts';
import type { Catalogue, MinerDirectory } from './miner-directory.ts';
import type { Principal } from './principal.ts';
import type { WorkSignal } from './work-signal.ts';

const IDEMPOTENCY_WINDOW_MS = 24 * 60 * 60 * 1000;
const IDEMPOTENCY_KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

export interface SubmitInput {
  model: string;
  /** 'text' when absent (the native job API). */
  kind?: JobKind | undefined;
  /** The canonical request text of `kind` (`jobType(kind).encode`): a text job's prompt itself. */
  prompt: string;
  params?: JobParams | undefined;
  max_price: string;
  ttl_seconds?: number | undefined;
  miner_id?: string | undefined;
  /** Re-run on an independent miner at the client's cost. */
  verify?: boolean | undefined;
  /** The lowest reputation score (0…1) a miner needs to run the job. */
  min_reputation?: number | undefined;
  /** How long after completion the client may dispute it: 0 … the coordinator's window (the default). */
  acceptance_window_seconds?: number | undefined;
}

/** A verify job's re-execution, as its client sees it. */
export interface VerificationState {
  status: 'pending' | 'agreed' | 'disagreed' | 'inconclusive' | 'abandoned';
  rerunJobId: string;
  detail: string | null;
}

const VERDICT_STATUS: Record<CheckVerdict, VerificationState['status']> = { agree: 'agreed', disagree: 'disagreed', inconclusive: 'inconclusive', abandoned: 'abandoned' };

/** Every job runs with a seed (the client's, or one drawn here), so that a check can reproduce it. */
export const withSeed = (params: JobParams | undefined): JobParams => ({ ...params, seed: params?.seed ?? randomInt(0, 2 ** 32) });

/** `submitted` is the 201 body, already serialised so that a replay returns it byte for byte. */
export type SubmitResult = { replayed: boolean; body: string };

/** A submit checked and ready for the store: its rows, and the 201 body it will answer with. */
interface PreparedSubmit {
  item: BatchSubmit;
  requestHash: string;
  body: string;
}

const isPrepared = (result: unknown): result is PreparedSubmit => typeof result === 'object' && result !== null && 'item' in result;

/**
 * One batch item's step: its value, or the ApiError it threw with `field` moved under
 * `jobs.<index>.` (the dotted path a schema error of the item gets). Any other error is a bug
 * and fails the request.
 */
export async function itemOutcome<T>(index: number, step: () => Promise<T>, list = 'jobs'): Promise<T | ApiError> {
  try {
    return await step();
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    return new ApiError(error.code, error.message, { field: error.field === undefined ? undefined : `${list}.${index}.${error.field}`, retryAfterSeconds: error.retryAfterSeconds });
  }
}

export interface Cursor {
  createdAt: number;
  jobId: string;
}

export function encodeCursor(cursor: Cursor): string {
  return Buffer.from(`${cursor.createdAt}:${cursor.jobId}`, 'utf8').toString('base64url');
}

export function decodeCursor(text: string): Cursor {
  const decoded = Buffer.from(text, 'base64url').toString('utf8');
  const match = /^(\d{1,15}):(job-[A-Za-z0-9]+)$/.exec(decoded);
  if (!match) throw new ApiError('VALIDATION_INVALID_FORMAT', "Query 'cursor' is not a cursor this server issued; pass next_cursor unchanged", { field: 'cursor' });
  return { createdAt: Number(match[1]), jobId: match[2]! };
}

export class JobService {
  constructor(
    private readonly store: CoordinatorStore,
    private readonly miners: MinerDirectory,
    private readonly signal: WorkSignal,
    private readonly config: CoordinatorConfig,
    private readonly renderCreated: (job: JobRecord) => unknown,
  ) {}

  /**
   * `jobId` lets a caller watch the job's stream before any miner can claim it. `boundTokensByPrice`
   * (OpenAI requests): a job without max_tokens gets the most tokens its max_price pays for at the
   * price it is checked against (capped at MAX_TOKENS_LIMIT), so no miner works past what the
   * client pays; with no online offer, or a free one, it is left as it is.
   */
  async submit(
    principal: Principal,
    input: SubmitInput,
    idempotencyKey: string | undefined,
    jobId: string = newId('job'),
    /** `live`: the caller watches the job's output as it is made (JobRecord.live). */
    options: { boundTokensByPrice?: boolean; live?: boolean } = {},
  ): Promise<SubmitResult> {
    const prepared = await this.prepare(principal, input, idempotencyKey, jobId, options);
    if ('replayed' in prepared) return prepared;
    const { job, idempotency, quota, companion } = prepared.item;
    return this.settle(principal, prepared, await this.store.submitJob(job, idempotency, quota, companion));
  }

  /**
   * A batch of submits (POST /v1/jobs/batch) in one store transaction, each checked as submit() checks it
   * (its own idempotency key, escrow, quota): the answer per item, in order, is its result or
   * the ApiError it alone got, with `field` under `jobs.<i>.`. One item refused (bad price,
   * balance, quota) leaves the others to be created.
   */
  async submitMany(principal: Principal, items: { input: SubmitInput; idempotencyKey: string | undefined }[]): Promise<(SubmitResult | ApiError)[]> {
    const results: (SubmitResult | ApiError | PreparedSubmit)[] = [];
    // The market as of the batch's start, read once for all its items.
    const market = this.miners.catalogue();
    market.catch(() => undefined); // a failure surfaces where an item awaits it, not as an unhandled rejection
    for (const [index, { input, idempotencyKey }] of items.entries()) {
      results.push(await itemOutcome(index, () => this.prepare(principal, input, idempotencyKey, newId('job'), {}, 'idempotency_key', market)));
    }
    const pending = results.flatMap((result, index) => (isPrepared(result) ? [{ index, prepared: result }] : []));
    const outcomes = pending.length === 0 ? [] : await this.store.submitJobs(pending.map(({ prepared }) => prepared.item));
    for (const [n, { index, prepared }] of pending.entries()) {
      results[index] = await itemOutcome(index, async () => this.settle(principal, prepared, outcomes[n]!, 'idempotency_key'));
    }
    return results as (SubmitResult | ApiError)[];
  }

  /** Everything submit() checks before the store: a replay of a key seen before, or the rows to write. */
  private async prepare(
    principal: Principal,
    input: SubmitInput,
    idempotencyKey: string | undefined,
    jobId: string,
    options: { boundTokensByPrice?: boolean; live?: boolean },
    keyField = 'Idempotency-Key',
    market?: Promise<Catalogue>,
  ): Promise<SubmitResult | PreparedSubmit> {
    if (idempotencyKey !== undefined && !IDEMPOTENCY_KEY_PATTERN.test(idempotencyKey)) {
      throw new ApiError('VALIDATION_INVALID_FORMAT', `${keyField === 'Idempotency-Key' ? 'Header' : 'Field'} ${keyField} must be 1–255 printable ASCII characters`, { field: keyField });
    }
    const now = this.config.now();
    const requestHash = sha256Hex(canonicalize(input));
    if (idempotencyKey !== undefined) {
      // A retry must get its original answer even if the market changed since (miner gone, …).
      const prior = await this.store.findIdempotentSubmit(principal.account, idempotencyKey, now - IDEMPOTENCY_WINDOW_MS);
      if (prior) return this.replay(prior, requestHash, keyField);
    }
    const maxPriceMicro = parseMoneyField(input.max_price, 'max_price');
    if (maxPriceMicro <= 0n) throw new ApiError('VALIDATION_OUT_OF_RANGE', "Field 'max_price' must be more than 0", { field: 'max_price' });
    if (input.prompt.length > this.config.maxPromptChars) {
      throw new ApiError('VALIDATION_PROMPT_TOO_LONG', `Prompt has ${input.prompt.length} characters; this coordinator accepts at most ${this.config.maxPromptChars}`, {
        field: 'prompt',
      });
    }
    const kind = input.kind ?? 'text';
    if (input.verify === true && kind === 'embedding') {
      throw new ApiError('VALIDATION_OUT_OF_RANGE', "Field 'verify' is not available for embedding jobs: vectors from different GPUs differ in their last digits, so a re-run cannot confirm them exactly", { field: 'verify' });
    }
    const needs = needsOf(kind, input.prompt);
    // Priced against the market as read up to a second ago (a batch's: as read at its start); a
    // job that would be refused is priced again on a fresh read, so no refusal rests on an old one.
    const priced = async (recent: boolean) => {
      const price = await this.checkModelAndPin(input.model, input.miner_id, needs, recent, market);
      const params = options.boundTokensByPrice ? boundedByPrice(input.params, maxPriceMicro, price) : input.params;
      const minUnits = params?.max_tokens ?? 1;
      checkPrice(maxPriceMicro, minUnits, price);
      return { params, minUnits };
    };
    const { params, minUnits } = await priced(true).catch((error: unknown) => {
      if (error instanceof ApiError) return priced(false);
      throw error;
    });
    const windowSeconds = input.acceptance_window_seconds ?? this.config.acceptanceWindowSeconds;
    if (windowSeconds > this.config.acceptanceWindowSeconds) {
      throw new ApiError(
        'VALIDATION_OUT_OF_RANGE',
        `Field 'acceptance_window_seconds' is ${windowSeconds}; this coordinator's acceptance window is ${this.config.acceptanceWindowSeconds} s, and a job may only shorten it`,
        { field: 'acceptance_window_seconds' },
      );
    }

    const ttlMs = (input.ttl_seconds ?? 900) * 1000;
    const job: NewJob = {
      jobId,
      account: principal.account,
      model: input.model,
      kind,
      prompt: input.prompt,
      requires: needs.bits,
      params: withSeed(params),
      maxPriceMicro,
      minUnits,
      pinnedMinerId: input.miner_id ?? null,
      createdAt: now,
      deadline: now + ttlMs,
      minReputationPpm: Math.round((input.min_reputation ?? 0) * 1_000_000),
      verify: input.verify === true,
      acceptanceWindowMs: windowSeconds * 1000,
      live: options.live === true,
    };
    // The client-paid re-run waits (unclaimable) for its subject; completing the subject releases
    // it to another owner's miner for as long again as the subject's ttl.
    const rerun: NewJob | null = job.verify
      ? { ...job, jobId: newId('job'), pinnedMinerId: null, verify: false, deadline: job.deadline + ttlMs, purpose: 'reexecution', subjectJobId: jobId, awaitingSubject: true, acceptanceWindowMs: 0, live: false }
      : null;
    const body = JSON.stringify(this.renderCreated({ ...job, status: 'queued', attempts: 0 } as JobRecord));
    const idempotency =
      idempotencyKey === undefined
        ? null
        : { key: idempotencyKey, requestHash, notBefore: now - IDEMPOTENCY_WINDOW_MS, response: body };
    const quota = principal.dailyJobQuota === null ? null : { keyId: principal.keyId, day: utcDay(now), limit: principal.dailyJobQuota };
    return { item: { job, idempotency, quota, companion: rerun }, requestHash, body };
  }

  /** The answer to a prepared submit once the store has written it, or the ApiError for its refusal. */
  private settle(principal: Principal, { item, requestHash, body }: PreparedSubmit, outcome: SubmitOutcome, keyField = 'Idempotency-Key'): SubmitResult {
    const { job, companion: rerun } = item;
    const { maxPriceMicro } = job;
    const now = job.createdAt;
    switch (outcome.kind) {
      case 'existing':
        return this.replay(outcome.prior, requestHash, keyField);
      case 'insufficient_balance':
        throw new ApiError(
          'PAYMENT_INSUFFICIENT_BALANCE',
          rerun
            ? `Account ${principal.account} has ${formatAmount(outcome.availableMicro)} AITBC available; with verify this job escrows max_price ${formatAmount(maxPriceMicro)} twice (the job and its re-run), ${formatAmount(2n * maxPriceMicro)} in all. Top up, lower max_price, or drop verify`
            : `Account ${principal.account} has ${formatAmount(outcome.availableMicro)} AITBC available; this job escrows max_price ${formatAmount(maxPriceMicro)}. Top up, or lower max_price`,
        );
      case 'quota_exceeded':
        throw new ApiError('RATE_QUOTA_EXCEEDED', `This key's quota of ${principal.dailyJobQuota} jobs per UTC day is used up; it resets at ${new Date(nextUtcMidnight(now)).toISOString()}`, {
          retryAfterSeconds: (nextUtcMidnight(now) - now) / 1000,
        });
      case 'created':
        this.signal.notify(outcome.job);
        return { replayed: false, body };
    }
  }

  private replay(prior: { requestHash: string; response: string }, requestHash: string, keyField = 'Idempotency-Key'): SubmitResult {
    if (prior.requestHash !== requestHash) {
      throw new ApiError('VALIDATION_INVALID_FORMAT', `This ${keyField} was already used with a different request body; use a new key for a new job`, {
        field: keyField,
      });
    }
    return { replayed: true, body: prior.response };
  }

  /**
   * Refuses a model no online miner offers (unless the operator lists it) and a pin to a miner
   * that cannot take the job; returns the lowest unit price the job could run at now (the pinned
   * miner's, or the cheapest online offer), null when it will wait for a miner to come online.
   */
  private async checkModelAndPin(model: string, pinnedMinerId: string | undefined, needs: JobNeeds, recent: boolean, market?: Promise<Catalogue>): Promise<PriceToBeat | null> {
    if (pinnedMinerId !== undefined) {
      const miner = await this.miners.require(pinnedMinerId);
      if (!miner.prices.has(model)) {
        throw new ApiError('VALIDATION_INVALID_MODEL', `Miner ${pinnedMinerId} does not offer model '${model}'; it offers ${[...miner.prices.keys()].join(', ')}`, {
          field: 'model',
        });
      }
      refuseUnmet(needs, [miner.capabilities.get(model)!.bits], `miner ${pinnedMinerId}`, model);
      if (!this.miners.isOnline(miner)) {
        throw new ApiError('MINER_OFFLINE', `Miner ${pinnedMinerId} has not been seen for over ${this.config.minerTimeoutSeconds} s; pick another miner or retry later`, {
          retryAfterSeconds: 10,
        });
      }
      if (miner.track.pausedAt !== null) {
        // It claims nothing but its canaries until it resumes: the job would wait escrowed until its deadline.
        throw new ApiError('MINER_OFFLINE', `Miner ${pinnedMinerId} is paused from new work pending verification (${miner.track.pauseReason ?? 'a failed check'}); pick another miner or retry later`, {
          retryAfterSeconds: 60,
        });
      }
      const running = await this.store.countRunning(pinnedMinerId);
      if (running >= miner.maxConcurrency) {
        throw new ApiError('MINER_CAPACITY_FULL', `Miner ${pinnedMinerId} is running ${running} of ${miner.maxConcurrency} jobs; wait or pick another miner`, {
          retryAfterSeconds: 5,
        });
      }
      return { unitPriceMicro: miner.prices.get(model)!, askedBy: `miner ${pinnedMinerId}`, model };
    }
    const entry = !recent ? await this.miners.requireModel(model) : market ? await this.miners.requireModel(model, market) : ((await this.miners.recentOffer(model)) ?? (await this.miners.requireModel(model)));
    // With no miner of the model online the job waits for one (an operator-listed model); with
    // some online, one of them must do everything the request asks, at the cheapest such price.
    if (!entry.offer) return null;
    refuseUnmet(needs, entry.offer.offerings.map((offering) => offering.bits), 'any online miner', model);
    return { unitPriceMicro: cheapestFor(needs, entry.offer), askedBy: needs.requirements.length > 1 ? 'the cheapest online miner that supports the request' : 'the cheapest online miner', model };
  }

  /** The job as stored, whoever's it is (for the coordinator's own waits, never shown to a client as is). */
  lookup(jobId: string): Promise<JobRecord | null> {
    return this.store.getJob(jobId);
  }

  storedReceipt(receiptId: string): Promise<StoredReceipt | null> {
    return this.store.getReceipt(receiptId);
  }

  countsByStatus(): Promise<Record<JobStatus, number>> {
    return this.store.jobCounts();
  }

  /** The caller's job, after settling its deadline; someone else's job is JOB_NOT_FOUND. */
  async get(principal: Principal, jobId: string): Promise<JobRecord> {
    await this.store.expireDue(this.config.now(), jobId);
    const job = await this.store.getJob(jobId);
    if (!job || job.account !== principal.account) throw new ApiError('JOB_NOT_FOUND', `Job ${jobId} not found`);
    return job;
  }

  /** A verify job's re-execution and its verdict so far; null for a job without verify. */
  async verification(job: JobRecord): Promise<VerificationState | null> {
    if (!job.verify) return null;
    const found = await this.store.verificationOf(job.jobId);
    if (!found) return null;
    const { rerun, check } = found;
    if (check?.verdict) return { status: VERDICT_STATUS[check.verdict], rerunJobId: rerun.jobId, detail: check.detail };
    const ended = rerun.status === 'failed' || rerun.status === 'cancelled' || rerun.status === 'expired';
    return { status: ended ? 'abandoned' : 'pending', rerunJobId: rerun.jobId, detail: ended ? rerun.error : null };
  }

  async list(principal: Principal, query: { status?: JobStatus | undefined; limit?: number | undefined; cursor?: string | undefined }) {
    await this.store.expireDue(this.config.now());
    const page = await this.store.listJobs(principal.account, {
      status: query.status ?? null,
      limit: query.limit ?? 20,
      after: query.cursor ? decodeCursor(query.cursor) : null,
    });
    return { items: page.items, nextCursor: page.next ? encodeCursor(page.next) : null };
  }

  async cancel(principal: Principal, jobId: string): Promise<JobRecord> {
    const outcome = await this.store.cancelJob(jobId, principal.account, this.config.now());
    if (outcome.kind === 'done') return outcome.job;
    if (!outcome.job) throw new ApiError('JOB_NOT_FOUND', `Job ${jobId} not found`);
    throw terminalError(outcome.job);
  }

  /** The finished job, or null while it is still queued or running. */
  async result(principal: Principal, jobId: string): Promise<{ job: JobRecord; receipt: StoredReceipt } | { job: JobRecord; receipt: null }> {
    const job = await this.get(principal, jobId);
    if (job.status === 'queued' || job.status === 'running') return { job, receipt: null };
    if (job.status !== 'completed') throw terminalError(job);
    const receipt = await this.store.getReceipt(job.receiptId!);
    return { job, receipt: receipt! };
  }

  async receiptForJob(principal: Principal, jobId: string): Promise<StoredReceipt> {
    const job = await this.get(principal, jobId);
    const receipt = job.receiptId ? await this.store.getReceipt(job.receiptId) : null;
    if (!receipt) throw new ApiError('RECEIPT_NOT_FOUND', `Job ${jobId} has no receipt (status ${job.status}); receipts exist once a job completes`);
    return receipt;
  }
}

/** `params` with max_tokens set to what max_price pays at `price`; unchanged when set, unpriced, free, or short of one token (checkPrice then refuses it). */
function boundedByPrice(params: JobParams | undefined, maxPriceMicro: bigint, price: PriceToBeat | null): JobParams | undefined {
  if (params?.max_tokens !== undefined || !price || price.unitPriceMicro === 0n) return params;
  const affordable = maxPriceMicro / price.unitPriceMicro;
  if (affordable < 1n) return params;
  return { ...params, max_tokens: Number(affordable < BigInt(MAX_TOKENS_LIMIT) ? affordable : BigInt(MAX_TOKENS_LIMIT)) };
}

/** The lowest price per unit among the online miners whose model covers `needs` (one exists: refuseUnmet passed). */
function cheapestFor(needs: JobNeeds, offer: ModelOffer): bigint {
  const prices = offer.offerings.filter((offering) => (offering.bits & needs.bits) === needs.bits).map((offering) => offering.minPriceMicro);
  return prices.reduce((low, price) => (price < low ? price : low));
}

/**
 * Refuses, naming the request's field, what no offered capability set covers: the first unmet
 * requirement (the job type itself, then tools, output format, images in the order asked).
 */
function refuseUnmet(needs: JobNeeds, offered: number[], who: string, model: string): void {
  if (offered.some((bits) => (bits & needs.bits) === needs.bits)) return;
  const best = offered.reduce((a, b) => (bitCount(b & needs.bits) > bitCount(a & needs.bits) ? b : a), 0);
  const unmet = needs.requirements.find((requirement) => (best & capabilityBits([requirement.capability])) === 0) ?? needs.requirements[0]!;
  const what = CAPABILITY_WORDS[unmet.capability];
  throw new ApiError(
    unmet.param === 'model' ? 'VALIDATION_INVALID_MODEL' : 'VALIDATION_OUT_OF_RANGE',
    `${who === 'any online miner' ? 'No online miner' : `The pinned ${who}`} serving '${model}' supports ${what} (field '${unmet.param}'); drop it, or pick a model whose capabilities list it (GET /v1/models)`,
    { field: unmet.param },
  );
}

const bitCount = (bits: number): number => bits.toString(2).replaceAll('0', '').length;

const CAPABILITY_WORDS: Record<Capability, string> = {
  completion: 'text completions',
  chat: 'chat',
  embeddings: 'embeddings',
  tools: 'tool calling',
  json_mode: 'JSON mode',
  json_schema: 'JSON schema output',
  vision: 'image input',
  logprobs: 'log probabilities',
};

interface PriceToBeat {
  unitPriceMicro: bigint;
  /** Whose price it is, for the error: the pinned miner, or the cheapest online one. */
  askedBy: string;
  model: string;
}

/**
 * A job no online miner would claim is refused now rather than left to expire: the claim rule
 * (CLAIMABLE in sqlite-store.ts) needs max_price / min_units ≥ the miner's unit price, so the
 * lowest max_price that passes is unit price × min_units. VALIDATION_OUT_OF_RANGE, not a PAYMENT_
 * code: the account may hold plenty; it is the field's value that is below what the market accepts.
 */
function checkPrice(maxPriceMicro: bigint, minUnits: number, price: PriceToBeat | null): void {
  if (!price || maxPriceMicro / BigInt(minUnits) >= price.unitPriceMicro) return;
  const lowest = price.unitPriceMicro * BigInt(minUnits);
  throw new ApiError(
    'VALIDATION_OUT_OF_RANGE',
    `Field 'max_price' ${formatAmount(maxPriceMicro)} AITBC is too low for this job: ${price.askedBy} asks ${formatAmount(price.unitPriceMicro)} AITBC per token for '${price.model}', so ${minUnits} token(s) (max_tokens) need max_price of at least ${formatAmount(lowest)} AITBC. Raise max_price or lower max_tokens; see GET /v1/models`,
    { field: 'max_price' },
  );
}

const DAY_MS = 86_400_000;
export const utcDay = (ms: number): string => new Date(ms).toISOString().slice(0, 10);
const nextUtcMidnight = (ms: number): number => Math.floor(ms / DAY_MS) * DAY_MS + DAY_MS;

/** An amount from a request, or the 422 naming its field: a bad format, or past MAX_AMOUNT_MICRO. */
export function parseMoneyField(text: string, field: string): bigint {
  try {
    return parseAmount(text);
  } catch (error) {
    const code = error instanceof AmountRangeError ? 'VALIDATION_OUT_OF_RANGE' : 'VALIDATION_INVALID_FORMAT';
    throw new ApiError(code, `Field '${field}' ${(error as Error).message}`, { field });
  }
}

/** The error for a job that has left the queued/running states, per docs/API.md. */
export function terminalError(job: JobRecord): ApiError {
  switch (job.status) {
    case 'completed':
      return new ApiError('JOB_ALREADY_COMPLETED', `Job ${job.jobId} already completed`);
    case 'cancelled':
      return new ApiError('JOB_ALREADY_CANCELLED', `Job ${job.jobId} was cancelled; submit a new job`);
    case 'expired':
      return new ApiError('JOB_EXPIRED', `Job ${job.jobId} passed its deadline ${new Date(job.deadline).toISOString()}; submit a new job`);
    case 'failed':
      return new ApiError('JOB_INVALID_STATUS', `Job ${job.jobId} failed: ${job.error ?? 'no reason given'}`);
    default:
      return new ApiError('JOB_INVALID_STATUS', `Job ${job.jobId} is ${job.status}`);
  }
}
