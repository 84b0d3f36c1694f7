// Errors the SDK throws: one class per family of seed codes, each keeping the code, the detail,
// the request id, the HTTP status and (where it applies) the field and retry_after.

import { ERROR_CATALOGUE, isErrorCode, type ErrorEnvelope } from '@aitbc/protocol';

export class AitbcError extends Error {
  /** The seed's error_code; NETWORK_ERROR or SDK_WAIT_TIMEOUT below HTTP; HTTP_<status> for an answer that is not the envelope. */
  readonly errorCode: string;
  readonly detail: string;
  readonly requestId: string | undefined;
  /** HTTP status; 0 when no answer came. */
  readonly status: number;
  /** What the seed says to do about it. */
  readonly resolution: string | undefined;
  /** Seconds until a retry can pass, when the server said (rate limits and every 503). */
  readonly retryAfter: number | undefined;

  constructor(init: { errorCode: string; detail: string; requestId?: string | undefined; status: number; retryAfter?: number | undefined; cause?: unknown }) {
    super(`${init.errorCode}: ${init.detail}${init.requestId ? ` (request ${init.requestId})` : ''}`, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = new.target.name;
    this.errorCode = init.errorCode;
    this.detail = init.detail;
    this.requestId = init.requestId;
    this.status = init.status;
    this.resolution = isErrorCode(init.errorCode) ? ERROR_CATALOGUE[init.errorCode].resolution : undefined;
    this.retryAfter = init.retryAfter;
  }

  /** Whether the seed's Retryable column (and docs/API.md) allow retrying this error. */
  get retryable(): boolean {
    return isErrorCode(this.errorCode) ? ERROR_CATALOGUE[this.errorCode].retryable : this.status === 0 || this.status >= 500;
  }
}

/** 400: a transition the job's state does not allow, or a receipt whose signature fails. */
export class BadRequestError extends AitbcError {}
/** 401: missing, invalid or expired key. */
export class AuthenticationError extends AitbcError {}
/** 403: the key lacks the scope, or acts for a miner it did not register. */
export class PermissionError extends AitbcError {}
/** 402: not enough AITBC available. */
export class PaymentError extends AitbcError {}
/** 404: no such job, miner, receipt or route. */
export class NotFoundError extends AitbcError {}
/** 409 and 410: the resource is in a state that conflicts (claimed, completed, cancelled, expired). */
export class ConflictError extends AitbcError {}
/** 413 and 422: the request itself is wrong; `field` names the offending field. */
export class ValidationError extends AitbcError {
  readonly field: string | undefined;
  constructor(init: ConstructorParameters<typeof AitbcError>[0] & { field?: string | undefined }) {
    super(init);
    this.field = init.field;
  }
}
/** 429: rate limit (retryable after `retryAfter`) or daily quota (not retryable). */
export class RateLimitError extends AitbcError {}
/** 500 and 502: the coordinator or a dependency failed. */
export class ServerError extends AitbcError {}
/** 503: maintenance, overload, or a miner offline or full; `retryAfter` says when to come back. */
export class ServiceUnavailableError extends AitbcError {}
/** jobs.run() stopped waiting; the job itself goes on. */
export class WaitTimeoutError extends AitbcError {}
/** No HTTP answer at all (connection refused, reset, timeout). */
export class NetworkError extends AitbcError {}

/** The error for an HTTP answer, by status family. */
export function errorFromResponse(status: number, body: unknown, headerRequestId: string | null): AitbcError {
  const envelope = (typeof body === 'object' && body !== null ? body : {}) as Partial<ErrorEnvelope>;
  const init = {
    errorCode: typeof envelope.error_code === 'string' ? envelope.error_code : `HTTP_${status}`,
    detail: typeof envelope.detail === 'string' ? envelope.detail : `HTTP ${status} without an AITBC error body`,
    requestId: typeof envelope.request_id === 'string' ? envelope.request_id : (headerRequestId ?? undefined),
    status,
    retryAfter: typeof envelope.retry_after === 'number' ? envelope.retry_after : undefined,
  };
  if (status === 400) return new BadRequestError(init);
  if (status === 401) return new AuthenticationError(init);
  if (status === 402) return new PaymentError(init);
  if (status === 403) return new PermissionError(init);
  if (status === 404 || status === 405) return new NotFoundError(init);
  if (status === 409 || status === 410) return new ConflictError(init);
  if (status === 413 || status === 422) return new ValidationError({ ...init, field: envelope.field });
  if (status === 429) return new RateLimitError(init);
  if (status === 503) return new ServiceUnavailableError(init);
  if (status >= 500) return new ServerError(init);
  return new AitbcError(init);
}

/**
 * The error of one item of a batch answer (`{ error: <envelope> }` in jobs.submitMany or
 * miners.completeMany results): the class and status the single route would have thrown.
 * @example for (const result of results) if ('error' in result) console.log(itemError(result.error).errorCode);
 */
export function itemError(envelope: { error_code: string; detail: string; request_id?: string; field?: string; retry_after?: number }): AitbcError {
  const status = isErrorCode(envelope.error_code) ? ERROR_CATALOGUE[envelope.error_code].status : 0;
  return errorFromResponse(status, envelope, null);
}
