// HTTP with the retry rules of the seed and docs/API.md: retry 5xx and RATE_LIMIT_EXCEEDED, never any
// other 4xx; exponential backoff with full jitter, or exactly `retry_after` when the server says
// so; bounded attempts and total time. A request that may have run on the server (a 500, a 502, a
// lost connection) is retried only when it is idempotent: a submit carries an Idempotency-Key.

import { AitbcError, NetworkError, errorFromResponse } from './errors.ts';

export interface RetryPolicy {
  /** Attempts in all, the first included. */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** No retry starts after this much time since the first attempt. */
  maxElapsedMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 4, baseDelayMs: 250, maxDelayMs: 8_000, maxElapsedMs: 30_000 };

export interface TransportOptions {
  baseUrl: string;
  apiKey?: string | undefined;
  retry?: Partial<RetryPolicy> | undefined;
  /** Per-attempt timeout; long-polls add their wait to it. */
  timeoutMs?: number | undefined;
  fetch?: typeof fetch | undefined;
  /** Injected in tests to observe and skip the waits. */
  sleep?: ((ms: number) => Promise<void>) | undefined;
  random?: (() => number) | undefined;
}

export interface HttpRequest {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  body?: unknown;
  headers?: Record<string, string>;
  /** Safe to send twice (the server deduplicates or the request changes nothing). */
  idempotent: boolean;
  /** Extra time this request may legitimately take (a long-poll's wait). */
  extraTimeoutMs?: number;
  /** Abandons the request (and its retries). */
  signal?: AbortSignal | undefined;
}

export interface HttpAnswer {
  status: number;
  body: any;
  headers: Headers;
}

/** Whether an error allows another attempt of this request. */
export function mayRetry(error: AitbcError, idempotent: boolean): boolean {
  // Refused before anything ran: rate limited, or the server was unavailable.
  if (error.errorCode === 'RATE_LIMIT_EXCEEDED' || error.status === 503) return true;
  if (error instanceof NetworkError || error.status >= 500) return idempotent;
  return false;
}

/** The wait before attempt `attempt + 1` (attempt counts from 0). */
export function backoffMs(attempt: number, error: AitbcError, policy: RetryPolicy, random: () => number): number {
  const retryAfter = error.retryAfter;
  // The server knows when it will take the request: wait that long, plus a little spread.
  if (retryAfter !== undefined) return retryAfter * 1000 * (1 + 0.1 * random());
  return random() * Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt);
}

export class Transport {
  private readonly policy: RetryPolicy;
  private readonly fetchFn: typeof fetch;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;

  constructor(private readonly options: TransportOptions) {
    this.policy = { ...DEFAULT_RETRY, ...options.retry };
    this.fetchFn = options.fetch ?? globalThis.fetch.bind(globalThis);
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.random = options.random ?? Math.random;
  }

  async send(request: HttpRequest): Promise<HttpAnswer> {
    const started = Date.now();
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.once(request);
      } catch (error) {
        if (!(error instanceof AitbcError)) throw error;
        const delay = backoffMs(attempt, error, this.policy, this.random);
        const outOfTime = Date.now() - started + delay > this.policy.maxElapsedMs;
        if (!mayRetry(error, request.idempotent) || attempt + 1 >= this.policy.maxAttempts || outOfTime || request.signal?.aborted) throw error;
        await this.sleep(delay);
      }
    }
  }

  /**
   * Sends once and hands back the answer unread (a server-sent event stream): never retried, since
   * the request may have run; the timeout covers the wait for the headers only, not the stream.
   */
  async open(request: HttpRequest): Promise<Response> {
    const headersTimeout = new AbortController();
    const timer = setTimeout(() => headersTimeout.abort(new Error('no answer in time')), this.options.timeoutMs ?? 30_000);
    try {
      const response = await this.fetchResponse(request, request.signal ? AbortSignal.any([headersTimeout.signal, request.signal]) : headersTimeout.signal);
      if (response.status >= 400) throw errorFromResponse(response.status, await bodyOf(response), response.headers.get('x-request-id'));
      return response;
    } finally {
      clearTimeout(timer);
    }
  }

  private async once(request: HttpRequest): Promise<HttpAnswer> {
    const timeout = AbortSignal.timeout((this.options.timeoutMs ?? 30_000) + (request.extraTimeoutMs ?? 0));
    const response = await this.fetchResponse(request, request.signal ? AbortSignal.any([timeout, request.signal]) : timeout);
    const parsed = await bodyOf(response);
    if (response.status >= 400) throw errorFromResponse(response.status, parsed, response.headers.get('x-request-id'));
    return { status: response.status, body: parsed, headers: response.headers };
  }

  private async fetchResponse(request: HttpRequest, signal: AbortSignal): Promise<Response> {
    const headers: Record<string, string> = { accept: 'application/json', ...request.headers };
    if (this.options.apiKey) headers['x-api-key'] = this.options.apiKey;
    let body: string | undefined;
    if (request.body !== undefined) {
      body = JSON.stringify(request.body);
      headers['content-type'] = 'application/json';
    }
    try {
      return await this.fetchFn(this.options.baseUrl.replace(/\/$/, '') + request.path, { method: request.method, headers, body, signal });
    } catch (cause) {
      throw new NetworkError({ errorCode: 'NETWORK_ERROR', detail: `No answer from ${this.options.baseUrl}: ${(cause as Error).message}`, status: 0, cause });
    }
  }
}

/** The JSON body, or null for none or for a body that is not JSON. */
async function bodyOf(response: Response): Promise<unknown> {
  const text = await response.text().catch(() => '');
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
