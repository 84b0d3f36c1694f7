// The miner daemon: registers with the coordinator (with what each model can do), heartbeats,
// long-polls for work with up to max_concurrency jobs at once (claiming as many as it has free
// slots for in one batch poll), runs each on its backend (see execute.ts), completes it with a
// signed receipt (completions that finish while another is being sent go together in one batch)
// or reports the failure, rides out coordinator outages with backoff, and on stop() finishes or
// hands back every job it holds — it never abandons a lease silently.

import { BACKEND_KINDS, base64urlEncode, completeReceipt, jobType, paramsHash, parseAmount, redactLocators, signReceipt, type BackendKind, type KeyPair, type ModelCapabilities, type RunFacts } from '@aitbc/protocol';
import { MAX_BATCH_JOBS } from '@aitbc/protocol/wire';
import { AitbcClient, AitbcError, ConflictError, itemError, NetworkError, NotFoundError, ServiceUnavailableError, ValidationError, type ClaimedJob, type Heartbeat, type JobCompletion } from '@aitbc/sdk';
import { BackendError, type Backend } from './backends/backend.ts';
import { decodeClaim, execute, jobOutput, newExecution } from './execute.ts';
import { StreamChannel } from './stream-channel.ts';

export interface MinerEvent {
  event: string;
  [detail: string]: unknown;
}

export interface MinerOptions {
  coordinatorUrl: string;
  apiKey: string;
  minerId: string;
  keys: KeyPair;
  backend: Backend;
  /** Models to offer; default: every model the backend lists. */
  models?: string[] | undefined;
  /** AITBC per token for every offered model. */
  pricePerToken: string;
  maxConcurrency: number;
  payoutAddress?: string | undefined;
  gpu?: { name: string; memory_gb?: number } | null | undefined;
  /** Seconds a long-poll waits for work. */
  pollWaitSeconds?: number;
  /** How often to heartbeat (keep well under the coordinator's lease and miner timeout). */
  heartbeatMs?: number;
  /** How long stop() lets running jobs finish before handing them back. */
  shutdownGraceMs?: number;
  log?: (event: MinerEvent) => void;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Why a generation was aborted when the coordinator asked the miner to stop (the client left). */
class StopRequested extends Error {}

type Completed = { price: string; receipt: { receipt_id: string } };

/** A completion waiting for the next batch, and who waits for its answer. */
interface QueuedCompletion {
  jobId: string;
  body: JobCompletion;
  settle: { resolve: (done: Completed) => void; reject: (error: unknown) => void };
}

/** A coordinator from before the batch routes answers them ROUTE_NOT_FOUND. */
const isMissingRoute = (error: unknown) => error instanceof NotFoundError && error.errorCode === 'ROUTE_NOT_FOUND';

export class MinerDaemon {
  private readonly client: AitbcClient;
  private readonly log: (event: MinerEvent) => void;
  private readonly running = new Map<string, AbortController>();
  private stopping = false;
  /** Aborted on stop(): hangs up waiting long-polls so no new job is claimed while leaving. */
  private readonly polls = new AbortController();
  private slots: Promise<void>[] = [];
  /** The jobs being run, each until it is completed or reported. */
  private readonly runs = new Set<Promise<void>>();
  /** False against a coordinator without the batch routes: one job per poll and per completion. */
  private batchRoutes = true;
  private readonly completions: QueuedCompletion[] = [];
  private sendingCompletions = false;
  private heartbeatTimer: NodeJS.Timeout | null = null;
  /** Jobs the coordinator said we hold that we do not run, as of the last heartbeat. */
  private unknownHeld = new Set<string>();
  /** False against a coordinator that does not take `jobs` in heartbeats (it extends every lease). */
  private heartbeatsNameJobs = true;
  /** Backoff while the coordinator is unreachable. */
  private retryDelayMs = 0;
  /** Offered model → digest, as advertised at registration ({} when the backend knows none). */
  private digests: Record<string, string> = {};
  completed = 0;
  failed = 0;

  constructor(private readonly options: MinerOptions) {
    // The daemon handles outages itself (reconnect with backoff), so the client does not wait long.
    this.client = new AitbcClient({ baseUrl: options.coordinatorUrl, apiKey: options.apiKey, retry: { maxAttempts: 2, maxElapsedMs: 5_000 } });
    this.log = options.log ?? ((event) => process.stderr.write(JSON.stringify({ at: new Date().toISOString(), miner: options.minerId, ...event }) + '\n'));
  }

  /** Registers (waiting for the coordinator if it is away) and starts the work loops. */
  async start(): Promise<void> {
    const models = this.options.models ?? (await this.options.backend.listModels());
    if (models.length === 0) throw new Error(`the ${this.options.backend.name} backend offers no models; pull or load one, or pass --models`);
    const prices = Object.fromEntries(models.map((model) => [model, this.options.pricePerToken]));
    this.digests = await this.offeredDigests(models);
    const capabilities = await this.offeredCapabilities(models);
    await this.untilStopped(() => this.register(models, prices, capabilities));
    this.log({ event: 'registered', models, digests: this.digests, capabilities, price_per_token: this.options.pricePerToken, max_concurrency: this.options.maxConcurrency, backend: this.options.backend.name });
    // Before any claim: a job the coordinator still holds for this miner id belongs to an
    // instance that died (a crash, a lost state); the coordinator lapses it, or we hand it back.
    await this.heartbeat(true);
    this.heartbeatTimer = setInterval(() => void this.heartbeat(), this.options.heartbeatMs ?? 10_000);
    this.slots = [this.workLoop()];
  }

  private async register(models: string[], prices: Record<string, string>, capabilities: Record<string, ModelCapabilities>): Promise<void> {
    const registration = {
      miner_id: this.options.minerId,
      public_key: base64urlEncode(this.options.keys.publicKey),
      models,
      prices,
      max_concurrency: this.options.maxConcurrency,
      ...(this.options.payoutAddress ? { payout_address: this.options.payoutAddress } : {}),
      ...(this.options.gpu ? { gpu: this.options.gpu } : {}),
      ...(Object.keys(this.digests).length > 0 ? { digests: this.digests } : {}),
    };
    if (Object.keys(capabilities).length > 0) {
      try {
        await this.client.miners.register({ ...registration, capabilities });
        return;
      } catch (error) {
        if (!(error instanceof ValidationError && error.field === 'capabilities')) throw error;
        // A coordinator from before job types: it sends text jobs only, which every model takes.
        this.log({ event: 'registered_without_capabilities', detail: 'the coordinator does not take `capabilities`; it will send text jobs only' });
      }
    }
    await this.client.miners.register(registration);
  }

  /**
   * What the backend says the offered models can do ({} from a backend that does not say, or
   * cannot say now: the models are then taken as plain text generators rather than not mined).
   */
  private async offeredCapabilities(models: string[]): Promise<Record<string, ModelCapabilities>> {
    if (!this.options.backend.capabilities) return {};
    try {
      const known = await this.options.backend.capabilities(models);
      return Object.fromEntries(models.filter((model) => Object.hasOwn(known, model)).map((model) => [model, known[model]!]));
    } catch (error) {
      this.log({ event: 'capabilities_unknown', detail: error instanceof BackendError ? error.detail : String(error), taken_as: ['completion', 'chat'] });
      return {};
    }
  }

  /** The backend's digests for the offered models; none from a backend that is not a receipt backend kind. */
  private async offeredDigests(models: string[]): Promise<Record<string, string>> {
    if (!(BACKEND_KINDS as readonly string[]).includes(this.options.backend.name) || !this.options.backend.modelDigests) return {};
    const known = await this.options.backend.modelDigests();
    return Object.fromEntries(models.filter((model) => Object.hasOwn(known, model)).map((model) => [model, known[model]!]));
  }

  /** What ran, for a version-2 receipt: the advertised digest, this backend and the job's parameters. */
  private runFacts(job: ClaimedJob): RunFacts | undefined {
    if (job.receipt_template.version !== 2) return undefined;
    const digest = this.digests[job.model];
    // The coordinator asks for version 2 only from a miner that advertised digests; one without
    // a digest for this model cannot sign what ran, so the job goes back for another miner.
    if (digest === undefined) throw new Error(`no model digest for ${job.model}, which a version-2 receipt needs`);
    return { model_digest: digest, backend: this.options.backend.name as BackendKind, params_hash: paramsHash(job.params) };
  }

  /** Stops polling, lets running jobs finish within the grace period, hands back the rest. */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.log({ event: 'stopping', running: this.running.size });
    this.polls.abort();
    const grace = setTimeout(() => {
      for (const controller of this.running.values()) controller.abort(new Error('miner shutting down'));
    }, this.options.shutdownGraceMs ?? 10_000);
    await Promise.all(this.slots);
    clearTimeout(grace);
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    this.log({ event: 'stopped', completed: this.completed, failed: this.failed });
  }

  /** Retries `action` through coordinator outages with capped exponential backoff. */
  private async untilStopped<T>(action: () => Promise<T>): Promise<T> {
    for (;;) {
      try {
        const result = await action();
        this.retryDelayMs = 0;
        return result;
      } catch (error) {
        if (!(error instanceof NetworkError || (error instanceof AitbcError && error.status >= 500)) || this.stopping) throw error;
        this.retryDelayMs = Math.min(30_000, Math.max(1_000, this.retryDelayMs * 2));
        this.log({ event: 'coordinator_unreachable', error: error.errorCode, detail: error.detail, retry_in_ms: this.retryDelayMs });
        await sleep(this.retryDelayMs);
      }
    }
  }

  /**
   * Says which jobs we run, so the coordinator extends only their leases and takes back any
   * other it holds for this miner id. `fresh`: nothing runs yet, so every job it still lists is
   * another instance's and is handed back at once; later, a listed job we do not run is handed
   * back when two heartbeats in a row list it (once could be a claim whose answer is on its way).
   */
  private async heartbeat(fresh = false): Promise<void> {
    try {
      const beat = await this.sendHeartbeat();
      if (beat.lapsed_jobs?.length) this.log({ event: 'jobs_lapsed', job_ids: beat.lapsed_jobs, reason: 'held for this miner id but not run here (a previous instance died?)' });
      // A job the coordinator no longer thinks we hold was cancelled, expired or re-queued: stop it.
      for (const [jobId, controller] of this.running) {
        if (!beat.running_jobs.includes(jobId)) controller.abort(new Error('the coordinator no longer assigns this job to us'));
      }
      const unknown = new Set(beat.running_jobs.filter((jobId) => !this.running.has(jobId)));
      const handBack = [...unknown].filter((jobId) => fresh || this.unknownHeld.has(jobId));
      this.unknownHeld = new Set([...unknown].filter((jobId) => !handBack.includes(jobId)));
      for (const jobId of handBack) await this.handBack(jobId);
    } catch (error) {
      this.log({ event: 'heartbeat_failed', error: error instanceof AitbcError ? error.errorCode : String(error) });
    }
  }

  private async sendHeartbeat(): Promise<Heartbeat> {
    if (this.heartbeatsNameJobs) {
      try {
        return await this.client.miners.heartbeat(this.options.minerId, [...this.running.keys()]);
      } catch (error) {
        if (!(error instanceof ValidationError && error.field === 'jobs')) throw error;
        this.heartbeatsNameJobs = false;
        this.log({ event: 'heartbeat_without_jobs', detail: 'the coordinator does not take `jobs` in heartbeats; jobs it holds that we do not run are handed back instead' });
      }
    }
    return this.client.miners.heartbeat(this.options.minerId);
  }

  /** A job the coordinator holds for us that we do not run: back to the queue (retryable), never left to its lease. */
  private async handBack(jobId: string): Promise<void> {
    const reason = 'this miner does not run the job (it was claimed by an instance that stopped)';
    this.log({ event: 'job_handed_back', job_id: jobId, reason });
    try {
      await this.client.miners.fail(jobId, { miner_id: this.options.minerId, reason, retryable: true });
    } catch (error) {
      this.log({ event: 'fail_report_failed', job_id: jobId, error: error instanceof AitbcError ? error.errorCode : String(error) });
    }
  }

  /**
   * One long-poll at a time, for as many jobs as there are free slots (a batch poll when that is
   * more than one); each job claimed runs on its own while the loop polls for the next.
   */
  private async workLoop(): Promise<void> {
    while (!this.stopping) {
      const free = this.options.maxConcurrency - this.runs.size;
      if (free <= 0) {
        await Promise.race(this.runs);
        continue;
      }
      let jobs: ClaimedJob[];
      try {
        jobs = await this.untilStopped(() => this.claim(free));
      } catch (error) {
        if (this.stopping) break;
        if (error instanceof ServiceUnavailableError && error.errorCode === 'MINER_CAPACITY_FULL') {
          await sleep((error.retryAfter ?? 1) * 1000);
          continue;
        }
        this.log({ event: 'poll_failed', error: error instanceof AitbcError ? error.errorCode : String(error), detail: error instanceof AitbcError ? error.detail : undefined });
        await sleep(5_000);
        continue;
      }
      if (this.stopping) {
        for (const job of jobs) await this.report(job, 'the miner is shutting down', true);
        break;
      }
      for (const job of jobs) {
        const run = this.run(job).finally(() => this.runs.delete(run));
        this.runs.add(run);
      }
    }
    await Promise.all(this.runs);
  }

  private async claim(free: number): Promise<ClaimedJob[]> {
    const waitSeconds = this.options.pollWaitSeconds ?? 20;
    if (free > 1 && this.batchRoutes) {
      try {
        return await this.client.miners.pollMany(this.options.minerId, Math.min(free, MAX_BATCH_JOBS), waitSeconds, { signal: this.polls.signal });
      } catch (error) {
        if (!isMissingRoute(error)) throw error;
        this.withoutBatchRoutes();
      }
    }
    const job = await this.client.miners.poll(this.options.minerId, waitSeconds, { signal: this.polls.signal });
    return job ? [job] : [];
  }

  private withoutBatchRoutes(): void {
    this.batchRoutes = false;
    this.log({ event: 'batch_routes_unavailable', detail: 'the coordinator has no batch poll or completion; claiming and completing one job per request' });
  }

  /**
   * Completes a job: at once when nothing else is being sent, else with the completions that
   * finish meanwhile, in one batch request. A job streamed to a client completes on its own,
   * so its client's stream ends without waiting for anyone else's batch.
   */
  private complete(job: ClaimedJob, body: JobCompletion): Promise<Completed> {
    if (job.stream || !this.batchRoutes) return this.untilStopped(() => this.client.miners.complete(job.job_id, body));
    return new Promise((resolve, reject) => {
      this.completions.push({ jobId: job.job_id, body, settle: { resolve, reject } });
      if (!this.sendingCompletions) void this.sendCompletions();
    });
  }

  private async sendCompletions(): Promise<void> {
    this.sendingCompletions = true;
    while (this.completions.length > 0) {
      const batch = this.completions.splice(0, MAX_BATCH_JOBS);
      try {
        if (batch.length === 1 || !this.batchRoutes) {
          for (const { jobId, body, settle } of batch) await this.untilStopped(() => this.client.miners.complete(jobId, body)).then(settle.resolve, settle.reject);
          continue;
        }
        const { results } = await this.untilStopped(() =>
          this.client.miners.completeMany(
            this.options.minerId,
            batch.map(({ jobId, body: { miner_id: _, ...completion } }) => ({ job_id: jobId, ...completion })),
          ),
        );
        for (const [i, result] of results.entries()) {
          if ('error' in result) batch[i]!.settle.reject(itemError(result.error));
          else batch[i]!.settle.resolve(result);
        }
      } catch (error) {
        if (isMissingRoute(error)) {
          this.withoutBatchRoutes();
          this.completions.unshift(...batch);
          continue;
        }
        for (const { settle } of batch) settle.reject(error);
      }
    }
    this.sendingCompletions = false;
  }

  private async run(job: ClaimedJob): Promise<void> {
    const controller = new AbortController();
    this.running.set(job.job_id, controller);
    const startedAt = Date.now();
    this.log({ event: 'job_started', job_id: job.job_id, model: job.model, attempt: job.attempt, stream: job.stream });
    const channel = job.stream
      ? await StreamChannel.open({
          coordinatorUrl: this.options.coordinatorUrl,
          apiKey: this.options.apiKey,
          jobId: job.job_id,
          minerId: this.options.minerId,
          onStop: (reason) => controller.abort(new StopRequested(reason)),
          log: (detail) => this.log(detail as MinerEvent),
        })
      : null;
    try {
      const input = decodeClaim(job);
      const progress = newExecution();
      try {
        await execute(this.options.backend, { model: job.model, input, params: job.params }, { signal: controller.signal, onText: (text) => channel?.text(text), progress });
      } catch (error) {
        if (!(controller.signal.reason instanceof StopRequested && error instanceof BackendError && error.kind === 'aborted')) throw error;
        // The client went away: bill what was produced. Servers report usage only at the end, so
        // the prompt is estimated at 4 characters a token and each streamed piece counts as one.
        progress.usage = { promptTokens: Math.ceil(jobType(input.kind).promptText(input.input).length / 4), completionTokens: progress.pieces };
        this.log({ event: 'job_stopped', job_id: job.job_id, reason: controller.signal.reason.message, pieces: progress.pieces });
      }
      const usage = progress.usage;
      if (!usage) throw new BackendError('unavailable', `the ${this.options.backend.name} backend ended without reporting usage`);
      await channel?.end();
      const output = jobOutput(progress);
      const receipt = signReceipt(
        completeReceipt(job.receipt_template, {
          units: BigInt(usage.promptTokens + usage.completionTokens),
          maxPriceMicro: parseAmount(job.max_price),
          output: jobType(input.kind).outputText(output),
          startedAt,
          completedAt: Date.now(),
          run: this.runFacts(job),
        }),
        'miner',
        this.options.keys.secretKey,
      );
      const done = await this.complete(job, {
        miner_id: this.options.minerId,
        output: output.text,
        ...(output.tool_calls ? { tool_calls: output.tool_calls } : {}),
        ...(output.embeddings ? { embeddings: output.embeddings } : {}),
        usage: { prompt_tokens: usage.promptTokens, completion_tokens: usage.completionTokens },
        receipt,
      });
      this.completed++;
      this.log({ event: 'job_completed', job_id: job.job_id, price: done.price, receipt_id: done.receipt.receipt_id });
    } catch (error) {
      if (error instanceof ConflictError || (error instanceof AitbcError && error.errorCode === 'JOB_INVALID_STATUS')) {
        // Cancelled, expired or re-queued while we worked: nothing to report, nobody to pay.
        this.log({ event: 'job_dropped', job_id: job.job_id, reason: error.detail });
      } else if (error instanceof BackendError) {
        // error.message leaves the machine without the model server's address; the log keeps it all.
        const reason = error.kind === 'aborted' ? String((controller.signal.reason as Error | undefined)?.message ?? error.message) : error.message;
        await this.report(job, reason, error.kind === 'aborted' ? this.stopping : error.retryable, error.detail);
      } else {
        const detail = error instanceof Error ? error.message : String(error);
        await this.report(job, `miner error: ${redactLocators(detail)}`, true, detail);
      }
    } finally {
      // After a failure was reported (so that it may be retried elsewhere if no output went out);
      // a no-op once the stream ended cleanly.
      channel?.abort();
      this.running.delete(job.job_id);
    }
  }

  /**
   * Tells the coordinator a job failed here (retryable: someone else may run it). `reason` goes
   * to the client; `detail` (with addresses and paths) only into this miner's log.
   */
  private async report(job: ClaimedJob, reason: string, retryable: boolean, detail?: string): Promise<void> {
    this.failed++;
    this.log({ event: 'job_failed', job_id: job.job_id, reason, retryable, ...(detail !== undefined && detail !== reason ? { detail } : {}) });
    try {
      await this.client.miners.fail(job.job_id, { miner_id: this.options.minerId, reason, retryable });
    } catch (error) {
      // Already cancelled or expired there, or the coordinator is away: the lease lapses and re-queues it.
      this.log({ event: 'fail_report_failed', job_id: job.job_id, error: error instanceof AitbcError ? error.errorCode : String(error) });
    }
  }
}
