// The typed AITBC client: every coordinator route, grouped as the API is (jobs, account,
// receipts, miners, admin), with the retry rules of transport.ts and receipt checks against
// pinned keys.

import { base64urlDecode, randomHex, verifyReceipt, type Receipt, type ReceiptCheck } from '@aitbc/protocol';
import { AitbcError, NotFoundError, WaitTimeoutError } from './errors.ts';
import { ChatStream, type ChatStreamParameters } from './chat-stream.ts';
import { completionRequest, jobStreamEvents, type JobStreamEvent, type StreamJobParameters } from './job-stream.ts';
import { Transport, type TransportOptions } from './transport.ts';
import type {
  Account,
  BatchCompletion,
  ClaimedJob,
  ClaimedJobs,
  CompletedJobs,
  CoordinatorInfo,
  CreatedJob,
  CreatedKey,
  DepositList,
  Earnings,
  EarningsSeries,
  Heartbeat,
  Job,
  JobCompletion,
  JobPage,
  JobResult,
  JobStatus,
  Market,
  Miner,
  MinerPage,
  MinerRegistration,
  ModelList,
  OwnKey,
  ReceiptClaim,
  ReceiptMinerKey,
  ReceiptPage,
  ReceiptVerdict,
  SpendSeries,
  SubmitJobParameters,
  SubmitManyItem,
  SubmittedJobs,
  Withdrawal,
  WithdrawParameters,
} from './types.ts';

export type ClientOptions = TransportOptions;

const enc = encodeURIComponent;

/** `?a=1&b=2` from the query's defined fields, or '' when none is. */
function searchOf(query: Record<string, string | number | undefined>): string {
  const search = new URLSearchParams(Object.entries(query).filter(([, v]) => v !== undefined).map(([k, v]) => [k, String(v)]));
  return search.size ? `?${search}` : '';
}

export interface RunOptions {
  /** Give up waiting after this long (the job keeps running; fetch it later). Default 15 min. */
  timeoutMs?: number;
  /** Called on every status change while waiting. */
  onStatus?: (job: Job) => void;
}

export class AitbcClient {
  private readonly http: Transport;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(options: ClientOptions) {
    this.http = new Transport(options);
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  private async call<T>(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body: unknown, idempotent: boolean, extra: { headers?: Record<string, string>; extraTimeoutMs?: number } = {}): Promise<T> {
    const answer = await this.http.send({ method, path, body, idempotent, ...extra });
    return answer.body as T;
  }

  readonly jobs = {
    /**
     * Submits a job, escrowing `max_price`. Safe to retry: an Idempotency-Key (one is made when
     * not given) makes the coordinator answer a repeat with the original job, never a second one.
     * @example const job = await client.jobs.submit({ model: 'llama3.2', prompt: 'Hi', max_price: '0.5' });
     */
    submit: (parameters: SubmitJobParameters, options: { idempotencyKey?: string } = {}): Promise<CreatedJob> =>
      this.call('POST', '/v1/jobs', parameters, true, { headers: { 'idempotency-key': options.idempotencyKey ?? `sdk-${randomHex(16)}` } }),
    /**
     * Submits up to 100 jobs in one request and one transaction (POST /v1/jobs/batch); each job
     * is escrowed on its own and gets its own result, in order: `{ job, replayed }` or `{ error }`
     * (a price too low, the balance or the daily quota refuse only that job). Safe to retry: every
     * job without an `idempotency_key` gets one here, so a repeat answers the jobs already made.
     * @example const { results } = await client.jobs.submitMany(prompts.map((prompt) => ({ model: 'llama3.2', prompt, max_price: '0.5' })));
     */
    submitMany: (jobs: SubmitManyItem[]): Promise<SubmittedJobs> =>
      this.call('POST', '/v1/jobs/batch', { jobs: jobs.map((job) => ({ ...job, idempotency_key: job.idempotency_key ?? `sdk-${randomHex(16)}` })) }, true),
    get: (jobId: string): Promise<Job> => this.call('GET', `/v1/jobs/${enc(jobId)}`, undefined, true),
    list: (query: { status?: JobStatus; limit?: number; cursor?: string } = {}): Promise<JobPage> => this.call('GET', `/v1/jobs${searchOf(query)}`, undefined, true),
    cancel: (jobId: string): Promise<Job> => this.call('POST', `/v1/jobs/${enc(jobId)}/cancel`, undefined, true),
    /**
     * Disputes a completed job inside its acceptance window (once): the miner's earnings stay held
     * and the job is re-run at your cost; upheld, the price comes back to you. Not retried: a
     * repeat would be refused as a second dispute.
     */
    dispute: (jobId: string, reason: string): Promise<Job> => this.call('POST', `/v1/jobs/${enc(jobId)}/dispute`, { reason }, false),
    /** The result once completed, or null while the job is queued or running. */
    result: async (jobId: string): Promise<JobResult | null> => {
      const answer = await this.http.send({ method: 'GET', path: `/v1/jobs/${enc(jobId)}/result`, idempotent: true });
      return answer.status === 202 ? null : (answer.body as JobResult);
    },
    receipt: (jobId: string): Promise<Receipt> => this.call('GET', `/v1/jobs/${enc(jobId)}/receipt`, undefined, true),
    /**
     * Submits and waits for the result, polling with backoff (1 s growing to 5 s). Throws the
     * job's own error when it fails, is cancelled or expires.
     */
    run: async (parameters: SubmitJobParameters, options: RunOptions = {}): Promise<JobResult> => this.jobs.wait((await this.jobs.submit(parameters)).job_id, options),
    /** Waits for a submitted job's result, polling as run() does; throws the job's own error when it fails, is cancelled or expires. */
    wait: async (jobId: string, options: RunOptions = {}): Promise<JobResult> => {
      const giveUpAt = Date.now() + (options.timeoutMs ?? 15 * 60_000);
      let lastStatus: string | null = null;
      for (let wait = 1000; ; wait = Math.min(5000, wait * 1.5)) {
        const result = await this.jobs.result(jobId);
        if (result) return result;
        if (options.onStatus) {
          const job = await this.jobs.get(jobId);
          if (job.status !== lastStatus) options.onStatus(job);
          lastStatus = job.status;
        }
        if (Date.now() + wait > giveUpAt) {
          throw new WaitTimeoutError({ errorCode: 'SDK_WAIT_TIMEOUT', detail: `Job ${jobId} has not finished; fetch it later with jobs.result()`, status: 0 });
        }
        await this.sleep(wait);
      }
    },
    /**
     * Submits a text job and yields its output as the miner produces it (POST /v1/completions,
     * streamed): first `submitted` with the job id, then `text` pieces, then `done` with the price
     * and receipt id. Not retried. Stopping early (break, or aborting `signal`) hangs up, and the
     * coordinator then cancels a queued job (refunded) or stops a running one (you pay for what it
     * produced).
     * @example for await (const event of client.jobs.stream({ model: 'llama3.2', prompt: 'Hi', max_price: '0.5' })) if (event.type === 'text') process.stdout.write(event.text);
     */
    stream: (parameters: StreamJobParameters, options: { signal?: AbortSignal } = {}): AsyncGenerator<JobStreamEvent> => this.streamJob(parameters, options),
  };

  private async *streamJob(parameters: StreamJobParameters, options: { signal?: AbortSignal }): AsyncGenerator<JobStreamEvent> {
    yield* jobStreamEvents(await this.http.open({ method: 'POST', path: '/v1/completions', body: completionRequest(parameters), idempotent: false, signal: options.signal }));
  }

  readonly chat = {
    /**
     * Sends the conversation to POST /v1/chat/completions, streamed, and yields the answer's text
     * as the miner writes it. One job per call; send the whole conversation each turn. Not
     * retried. Once the loop ends, `outcome` holds the job id, receipt id, price, finish reason,
     * token usage and whole text. Stopping early (break, or aborting `signal`) hangs up, and the
     * coordinator cancels a queued job (refunded) or stops a running one (you pay for what it
     * produced); an aborted signal throws its reason.
     * @example
     * const answer = client.chat.stream({ model: 'demo', messages: [{ role: 'user', content: 'Hi' }], max_price: '0.5' });
     * for await (const piece of answer) process.stdout.write(piece);
     * console.log(answer.outcome?.price, answer.outcome?.usage);
     */
    stream: (parameters: ChatStreamParameters): ChatStream => new ChatStream((request) => this.http.open(request), parameters),
  };

  readonly account = {
    get: (): Promise<Account> => this.call('GET', '/v1/account', undefined, true),
    /**
     * Withdraws available AITBC to an address on chain. The amount is set aside at once and
     * leaves the account when the transfer is final; a refused transfer is refunded. Never
     * retried after a failure that may have run on the server (that could withdraw twice).
     * @example await client.account.withdraw({ to: 'ait1…', amount: '2.5' });
     */
    withdraw: (parameters: WithdrawParameters): Promise<Withdrawal> => this.call('POST', '/v1/account/withdraw', parameters, false),
    /**
     * The account's completed jobs and what they cost, per UTC day over the last `days` days (default 30).
     * @example const { days } = await client.account.spend({ days: 7 });
     */
    spend: (query: { days?: number } = {}): Promise<SpendSeries> => this.call('GET', `/v1/account/spend${searchOf(query)}`, undefined, true),
    /** This client's key: scopes, account, rate limit, daily quota and what it used today (never the secret). */
    key: (): Promise<OwnKey> => this.call('GET', '/v1/account/key', undefined, true),
  };

  readonly receipts = {
    get: (receiptId: string): Promise<Receipt> => this.call('GET', `/v1/receipts/${enc(receiptId)}`, undefined, true),
    /**
     * Receipts newest first: a client key's account's, a miner key's miners' (`miner_id`: one of
     * them), or, for an admin, all (`account`, `miner_id` filter). Page with `next_cursor`.
     * @example const page = await client.receipts.list({ limit: 50 });
     */
    list: (query: { miner_id?: string; account?: string; limit?: number; cursor?: string } = {}): Promise<ReceiptPage> => this.call('GET', `/v1/receipts${searchOf(query)}`, undefined, true),
    /** The coordinator's own verification (its pinned keys). */
    verifyRemote: (receipt: Receipt): Promise<ReceiptVerdict> => this.call('POST', '/v1/receipts/verify', { receipt }, true),
    /** The miner key the coordinator accepted this receipt under (it stays valid after the miner changes keys). */
    minerKey: (receiptId: string): Promise<ReceiptMinerKey> => this.call('GET', `/v1/receipts/${enc(receiptId)}/miner-key`, undefined, true),
    /**
     * Verifies here, with keys the coordinator pins (the miner key it accepted the receipt under,
     * else the miner's registered key) and its published key, or with keys the caller pins
     * (base64url) — never a key carried inside the receipt.
     */
    verify: async (receipt: Receipt, pinned: { minerPublicKey?: string; coordinatorPublicKey?: string } = {}): Promise<{ valid: boolean; checks: ReceiptCheck[] }> => {
      const minerKey = pinned.minerPublicKey ?? (await this.acceptedMinerKey(receipt));
      const coordinatorKey = pinned.coordinatorPublicKey ?? (await this.coordinator()).public_key;
      return verifyReceipt(receipt, { miner: base64urlDecode(minerKey), coordinator: base64urlDecode(coordinatorKey) });
    },
  };

  /** The key the coordinator accepted the receipt under, or the miner's registered key for a receipt it does not hold. */
  private async acceptedMinerKey(receipt: Receipt): Promise<string> {
    try {
      const accepted = await this.receipts.minerKey(receipt.receipt_id);
      if (accepted.miner_id === receipt.miner_id) return accepted.public_key;
    } catch (error) {
      if (!(error instanceof NotFoundError)) throw error;
    }
    return (await this.miners.get(receipt.miner_id)).public_key;
  }

  readonly miners = {
    register: (registration: MinerRegistration): Promise<Miner> => this.call('POST', '/v1/miners/register', registration, true),
    get: (minerId: string): Promise<Miner> => this.call('GET', `/v1/miners/${enc(minerId)}`, undefined, true),
    /** Public: registered miners, online first then by score; `model` filters, `cursor` is the previous page's next_cursor. */
    list: (query: { model?: string; limit?: number; cursor?: string } = {}): Promise<MinerPage> => this.call('GET', `/v1/miners${searchOf(query)}`, undefined, true),
    /**
     * Marks the miner alive. `jobs`: the jobs it runs now; only their leases are extended, and any
     * other job the coordinator holds for it lapses (re-queued). Omit it to extend every lease.
     */
    heartbeat: (minerId: string, jobs?: string[]): Promise<Heartbeat> =>
      this.call('POST', '/v1/miners/heartbeat', jobs === undefined ? { miner_id: minerId } : { miner_id: minerId, jobs }, true),
    /**
     * Long-poll: a claimed job, or null when none came within `waitSeconds`. Aborting `signal`
     * hangs up, and the coordinator then hands the job to someone else.
     */
    poll: async (minerId: string, waitSeconds = 20, options: { signal?: AbortSignal } = {}): Promise<ClaimedJob | null> => {
      // Not idempotent: a poll whose answer was lost may have claimed a job (its lease lapses).
      const answer = await this.http.send({ method: 'POST', path: '/v1/miners/poll', body: { miner_id: minerId, wait_seconds: waitSeconds }, idempotent: false, extraTimeoutMs: waitSeconds * 1000, signal: options.signal });
      return answer.status === 204 ? null : (answer.body as ClaimedJob);
    },
    /**
     * Long-poll for up to `maxJobs` jobs at once (fewer when the miner's free slots or bond cover
     * fewer): claimed as soon as any is claimable, oldest first; an empty list when none came
     * within `waitSeconds`.
     */
    pollMany: async (minerId: string, maxJobs: number, waitSeconds = 20, options: { signal?: AbortSignal } = {}): Promise<ClaimedJob[]> => {
      // Not idempotent, as poll: a lost answer may have claimed jobs (their leases lapse).
      const answer = await this.http.send({ method: 'POST', path: '/v1/miners/poll/batch', body: { miner_id: minerId, max_jobs: maxJobs, wait_seconds: waitSeconds }, idempotent: false, extraTimeoutMs: waitSeconds * 1000, signal: options.signal });
      return (answer.body as ClaimedJobs).jobs;
    },
    /**
     * Completes up to 100 held jobs in one request (POST /v1/jobs/complete/batch); one result per
     * completion, in order: the co-signed receipt, or `{ job_id, error }` for one refused alone
     * (its job stays as it was, open for a correct completion when its receipt was at fault).
     */
    completeMany: (minerId: string, completions: BatchCompletion[]): Promise<CompletedJobs> => this.call('POST', '/v1/jobs/complete/batch', { miner_id: minerId, completions }, true),
    claim: (jobId: string, minerId: string): Promise<ClaimedJob> => this.call('POST', `/v1/jobs/${enc(jobId)}/claim`, { miner_id: minerId }, false),
    complete: (jobId: string, completion: JobCompletion) =>
      this.call<{ job_id: string; status: JobStatus; price: string; receipt: Receipt }>('POST', `/v1/jobs/${enc(jobId)}/complete`, completion, true),
    fail: (jobId: string, failure: { miner_id: string; reason: string; retryable?: boolean }): Promise<Job> => this.call('POST', `/v1/jobs/${enc(jobId)}/fail`, failure, true),
    earnings: (minerId: string): Promise<Earnings> => this.call('GET', `/v1/miners/${enc(minerId)}/earnings`, undefined, true),
    /**
     * The miner's earnings per UTC day and model over the last `days` days (default 30), its
     * held, earned, claimed and settled totals, and the settlements that carry its receipts.
     * @example const { days, payouts } = await client.miners.earningsSeries('gpu-1', { days: 7 });
     */
    earningsSeries: (minerId: string, query: { days?: number } = {}): Promise<EarningsSeries> => this.call('GET', `/v1/miners/${enc(minerId)}/earnings/series${searchOf(query)}`, undefined, true),
    claimReceipt: (receiptId: string): Promise<ReceiptClaim> => this.call('POST', `/v1/receipts/${enc(receiptId)}/claim`, undefined, true),
  };

  readonly admin = {
    // Creating a key or crediting twice would not be harmless: these are never retried after
    // a failure that may have run on the server.
    createKey: (spec: { scopes: string[]; account?: string; expires_at?: string; rate_limit_per_minute?: number; daily_job_quota?: number }): Promise<CreatedKey> =>
      this.call('POST', '/v1/admin/keys', spec, false),
    revokeKey: (keyId: string): Promise<void> => this.call('DELETE', `/v1/admin/keys/${enc(keyId)}`, undefined, true),
    credit: (account: string, amount: string): Promise<Account> => this.call('POST', `/v1/admin/accounts/${enc(account)}/credit`, { amount }, false),
    /** Deposits to the clearing address whose memo named no account, oldest first (default 20, at most 100). */
    deposits: (query: { limit?: number } = {}): Promise<DepositList> => this.call('GET', `/v1/admin/deposits${searchOf(query)}`, undefined, true),
    setMaintenance: (state: { enabled: boolean; message?: string; retry_after?: number }) =>
      this.call<{ enabled: boolean; message: string; retry_after: number }>('PUT', '/v1/admin/maintenance', state, true),
  };

  readonly market = {
    /** Public: models with miners online, prices per unit and queued jobs; miners online, queue depth, jobs per minute. */
    get: (): Promise<Market> => this.call('GET', '/v1/market', undefined, true),
  };

  models(): Promise<ModelList> {
    return this.call('GET', '/v1/models', undefined, true);
  }

  coordinator(): Promise<CoordinatorInfo> {
    return this.call('GET', '/v1/coordinator', undefined, true);
  }

  health(): Promise<{ status: 'ok'; version: string; uptime_s: number; db: string; chain: string }> {
    return this.call('GET', '/v1/health', undefined, true);
  }
}

export { AitbcError };
