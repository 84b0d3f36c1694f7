// The error catalogue: every code of docs/seed/error-codes.md (verbatim, with the seed's HTTP
// status, description and resolution) plus the additions docs/API.md lists (three HTTP ones, and
// the chain node's four). Servers, SDK and docs all read this one table; `errors.test.ts` fails
// when it, those documents and the codes the sources send disagree.

export interface ErrorSpec {
  /** HTTP status the code is always sent with. */
  readonly status: number;
  /** Seed category (Auth, Job, …), or `Http` / `Chain` for our additions. */
  readonly category: string;
  readonly description: string;
  /** What the caller should do next. */
  readonly resolution: string;
  /** Whether a client may retry the same request unchanged (docs/API.md: every 5xx and RATE_LIMIT_EXCEEDED). */
  readonly retryable: boolean;
  /** True for codes not in the seed (documented as additions in docs/API.md). */
  readonly addition?: true;
}

interface SpecExtras {
  retryable?: boolean;
  addition?: true;
}

function spec(status: number, category: string, description: string, resolution: string, extras: SpecExtras = {}): ErrorSpec {
  return { status, category, description, resolution, retryable: extras.retryable ?? status >= 500, ...(extras.addition ? { addition: true } : {}) };
}

export const ERROR_CATALOGUE = {
  AUTH_MISSING_KEY: spec(401, 'Auth', 'No API key provided', 'Include `X-Api-Key` header'),
  AUTH_INVALID_KEY: spec(401, 'Auth', 'API key is invalid', 'Check API key is correct'),
  AUTH_EXPIRED_KEY: spec(401, 'Auth', 'API key has expired', 'Generate new API key'),
  AUTH_INSUFFICIENT_SCOPE: spec(403, 'Auth', 'Key lacks required permissions', 'Use key with correct scope'),

  JOB_NOT_FOUND: spec(404, 'Job', "Job doesn't exist", 'Check job ID'),
  JOB_ALREADY_CLAIMED: spec(409, 'Job', 'Job claimed by another miner', 'Request different job'),
  JOB_ALREADY_COMPLETED: spec(409, 'Job', 'Job already finished', 'No action needed'),
  JOB_ALREADY_CANCELLED: spec(409, 'Job', 'Job was cancelled', 'Submit new job'),
  JOB_EXPIRED: spec(410, 'Job', 'Job deadline passed', 'Submit new job'),
  JOB_INVALID_STATUS: spec(400, 'Job', 'Invalid status transition', 'Check job state'),

  VALIDATION_MISSING_FIELD: spec(422, 'Validation', 'Required field missing', 'Include required field'),
  VALIDATION_INVALID_TYPE: spec(422, 'Validation', 'Wrong field type', 'Use correct type'),
  VALIDATION_OUT_OF_RANGE: spec(422, 'Validation', 'Value outside allowed range', 'Use value in range'),
  VALIDATION_INVALID_FORMAT: spec(422, 'Validation', 'Wrong format (e.g., date)', 'Use correct format'),
  VALIDATION_PROMPT_TOO_LONG: spec(422, 'Validation', 'Prompt exceeds limit', 'Shorten prompt'),
  VALIDATION_INVALID_MODEL: spec(422, 'Validation', 'Model not supported', 'Use valid model'),

  MINER_NOT_FOUND: spec(404, 'Miner', 'Miner not registered', 'Register miner first'),
  MINER_ALREADY_REGISTERED: spec(409, 'Miner', 'Miner ID already exists', 'Use different ID'),
  MINER_OFFLINE: spec(503, 'Miner', 'Miner not responding', 'Check miner status'),
  MINER_CAPACITY_FULL: spec(503, 'Miner', 'Miner at max capacity', 'Wait or use different miner'),

  RECEIPT_NOT_FOUND: spec(404, 'Receipt', "Receipt doesn't exist", 'Check receipt ID'),
  RECEIPT_INVALID_SIGNATURE: spec(400, 'Receipt', 'Signature verification failed', 'Check receipt integrity'),
  RECEIPT_ALREADY_CLAIMED: spec(409, 'Receipt', 'Receipt already processed', 'No action needed'),

  RATE_LIMIT_EXCEEDED: spec(429, 'Rate', 'Too many requests', 'Wait and retry', { retryable: true }),
  RATE_QUOTA_EXCEEDED: spec(429, 'Rate', 'Daily/monthly quota hit', 'Upgrade plan or wait'),

  PAYMENT_INSUFFICIENT_BALANCE: spec(402, 'Payment', 'Not enough AITBC', 'Top up balance'),
  PAYMENT_FAILED: spec(500, 'Payment', 'Payment processing error', 'Retry or contact support'),

  SYSTEM_INTERNAL_ERROR: spec(500, 'System', 'Unexpected server error', 'Retry or report bug'),
  SYSTEM_MAINTENANCE: spec(503, 'System', 'Scheduled maintenance', 'Wait for maintenance to end'),
  SYSTEM_OVERLOADED: spec(503, 'System', 'System at capacity', 'Retry with backoff'),
  SYSTEM_UPSTREAM_ERROR: spec(502, 'System', 'Dependency failure', 'Retry later'),

  ROUTE_NOT_FOUND: spec(404, 'Http', 'No such route', 'Check the path against /openapi.json', { addition: true }),
  METHOD_NOT_ALLOWED: spec(405, 'Http', 'Route exists with another method', 'Use a method the route accepts', { addition: true }),
  PAYLOAD_TOO_LARGE: spec(413, 'Http', 'Request body over the size limit', 'Send a smaller body', { addition: true }),

  TX_REJECTED: spec(422, 'Chain', 'Transaction refused by the node', 'Fix what detail and field name (form, signature, nonce, balance, amount) and sign again', { addition: true }),
  TX_NOT_FOUND: spec(404, 'Chain', 'No such transaction in a block or the mempool', 'Check the hash; a dropped transaction must be sent again', { addition: true }),
  BLOCK_NOT_FOUND: spec(404, 'Chain', 'No such block', 'Check the height or hash against /rpc/head', { addition: true }),
  BLOCK_REJECTED: spec(422, 'Chain', 'Block refused by the node', 'Nothing for a client to do: a peer sent an invalid block', { addition: true }),
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;

export const ERROR_CODES = Object.keys(ERROR_CATALOGUE) as ErrorCode[];

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(ERROR_CATALOGUE, value);
}

/** The wire envelope of every error answer. */
export interface ErrorEnvelope {
  detail: string;
  error_code: ErrorCode;
  request_id: string;
  /** Dotted path of the offending field (or a header's name) on every VALIDATION_* error. */
  field?: string;
  /** Whole seconds (≥ 1) before a retry can succeed, on rate limits and every 503. */
  retry_after?: number;
}

export interface ApiErrorOptions {
  field?: string;
  retryAfterSeconds?: number;
}

/**
 * An error that has a place in the catalogue. Thrown by services, turned into the envelope by
 * the HTTP layer, and rebuilt from an envelope by the SDK.
 */
export class ApiError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly field: string | undefined;
  readonly retryAfterSeconds: number | undefined;

  constructor(code: ErrorCode, detail: string, options: ApiErrorOptions = {}) {
    super(detail);
    this.name = 'ApiError';
    this.code = code;
    this.status = ERROR_CATALOGUE[code].status;
    this.field = options.field;
    this.retryAfterSeconds = options.retryAfterSeconds === undefined ? undefined : Math.max(1, Math.ceil(options.retryAfterSeconds));
  }

  get retryable(): boolean {
    return ERROR_CATALOGUE[this.code].retryable;
  }

  toEnvelope(requestId: string): ErrorEnvelope {
    const envelope: ErrorEnvelope = { detail: this.message, error_code: this.code, request_id: requestId };
    if (this.field !== undefined) envelope.field = this.field;
    if (this.retryAfterSeconds !== undefined) envelope.retry_after = this.retryAfterSeconds;
    return envelope;
  }
}
