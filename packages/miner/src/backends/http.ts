// HTTP plumbing shared by the Ollama and OpenAI-compatible backends: a request bounded by a
// silence timeout and tied to the caller's abort signal, and the mapping of transport failures
// and HTTP error answers onto BackendError kinds.

import { BackendError, type BackendErrorKind } from './backend.ts';
import { isRecord } from './json.ts';

/**
 * Longest silence tolerated from a model server, waiting either for the response headers or for
 * the next chunk of a stream. A server loading a model stays silent meanwhile, hence generous.
 */
export const DEFAULT_TIMEOUT_MS = 120_000;

export function trimBaseUrl(url: string): string {
  return url.replace(/\/+$/, '');
}

/** One request to a model server; always `close()` it when done with the answer. */
export class HttpCall {
  readonly #what: string;
  readonly #server: string;
  readonly #timeoutMs: number;
  readonly #signal: AbortSignal | undefined;
  readonly #controller = new AbortController();
  #timer: ReturnType<typeof setTimeout> | undefined;
  #timedOut = false;
  readonly #forwardAbort = (): void => {
    this.#controller.abort(this.#signal?.reason);
  };

  /**
   * `what` names the call in error messages, e.g. "ollama (model x)", never its address: the
   * messages become failure reasons clients read. `server` (the base URL) goes only into the
   * errors' `detail`, for the miner's log.
   */
  constructor(what: string, server: string, timeoutMs: number, signal: AbortSignal | undefined) {
    this.#what = what;
    this.#server = server;
    this.#timeoutMs = timeoutMs;
    this.#signal = signal;
  }

  async send(fetchImpl: typeof fetch, url: string, init: RequestInit): Promise<Response> {
    this.throwIfAborted();
    this.#signal?.addEventListener('abort', this.#forwardAbort, { once: true });
    // Runs until the first read of the body re-arms it (or, for small answers, until close()).
    this.waiting(true);
    try {
      return await fetchImpl(url, { ...init, signal: this.#controller.signal });
    } catch (error) {
      throw this.fail(error);
    }
  }

  /** Arms the silence timer while waiting on the server; disarmed while the consumer is busy. */
  waiting(active: boolean): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (!active) return;
    this.#timer = setTimeout(() => {
      this.#timedOut = true;
      this.#controller.abort(new Error('timed out'));
    }, this.#timeoutMs);
    this.#timer.unref();
  }

  throwIfAborted(): void {
    if (this.#signal?.aborted) throw this.fail(undefined);
  }

  /** The BackendError a failure of this call stands for. */
  fail(error: unknown): BackendError {
    if (error instanceof BackendError) return error;
    const server = this.#server;
    if (this.#signal?.aborted) return new BackendError('aborted', `${this.#what}: generation aborted`, { cause: error, server });
    if (this.#timedOut) return new BackendError('unavailable', `${this.#what}: no answer for ${this.#timeoutMs} ms`, { cause: error, server });
    return new BackendError('unavailable', `${this.#what}: ${describeTransportError(error)}`, { cause: error, server });
  }

  /** Releases the timer and the signal listener, and drops the connection if still open. */
  close(): void {
    this.waiting(false);
    this.#signal?.removeEventListener('abort', this.#forwardAbort);
    this.#controller.abort();
  }
}

/** What an error answer said, dug out of the usual `{error}` / `{error:{message,code}}` shapes. */
export interface ServerError {
  status: number;
  message: string;
  code: string | undefined;
}

export async function readServerError(response: Response): Promise<ServerError> {
  let text = '';
  try {
    text = await response.text();
  } catch {
    // The status alone will have to do.
  }
  let message = text.trim().slice(0, 500) || response.statusText || 'no details';
  let code: string | undefined;
  try {
    const json: unknown = JSON.parse(text);
    if (isRecord(json)) {
      const error = json['error'];
      if (typeof error === 'string') message = error;
      else if (isRecord(error)) {
        if (typeof error['message'] === 'string') message = error['message'];
        if (typeof error['code'] === 'string') code = error['code'];
      } else if (typeof json['message'] === 'string') message = json['message'];
      else if (typeof json['detail'] === 'string') message = json['detail'];
    }
  } catch {
    // Not JSON: the text itself is the message.
  }
  return { status: response.status, message, code };
}

/** 5xx is the server's trouble, worth another try; 408 and 429 mean "not now" rather than "never". */
export function kindForStatus(status: number): BackendErrorKind {
  return status >= 500 || status === 408 || status === 429 ? 'unavailable' : 'rejected';
}

function describeTransportError(error: unknown): string {
  // Node's fetch hides the useful part (ECONNREFUSED, ENOTFOUND…) in `cause`.
  if (error instanceof Error) {
    const cause = error.cause;
    if (cause instanceof Error && cause.message) return `${error.message} (${cause.message})`;
    return error.message;
  }
  return String(error);
}
