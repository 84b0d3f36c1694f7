// The error catalogue: every code of docs/seed/error-codes.md (verbatim, with the seed's HTTP
// status, description and resolution) plus the additions docs/API.md lists (three HTTP ones, and
// the chain node's own). Servers, SDK and docs all read this one table; `errors.test.ts` fails
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

  TX_NOT_FOUND: spec(404, 'Chain', 'No such transaction in a block or the mempool', 'Check the hash; a dropped transaction must be sent again', { addition: true }),
  BLOCK_NOT_FOUND: spec(404, 'Chain', 'No such block', 'Check the height or hash against /rpc/head', { addition: true }),

  // The chain node's refusals (packages/chain/src/errors.ts gives each its typed context).
  CHAIN_TX_INVALID_FORMAT: spec(422, 'Chain', 'Transaction malformed', 'Fix the field named by field and sign again', { addition: true }),
  CHAIN_TX_WRONG_CHAIN: spec(422, 'Chain', 'Transaction signed for another chain', "Sign again with this chain's id (GET /rpc/head)", { addition: true }),
  CHAIN_TX_INVALID_SIGNATURE: spec(422, 'Chain', 'Signature does not verify, or public_key is not the key of from', 'Sign the body with the key of from', { addition: true }),
  CHAIN_TX_ALREADY_KNOWN: spec(422, 'Chain', 'Transaction already in the mempool or a block', 'No action needed: look it up by its hash', { addition: true }),
  CHAIN_TX_MEMPOOL_FULL: spec(503, 'Chain', 'Mempool full', 'Retry after retry_after seconds', { addition: true }),
  CHAIN_TX_INVALID_NONCE: spec(422, 'Chain', "Nonce is not the sender's next nonce", 'Sign again with the nonce in context.expected_nonce', { addition: true }),
  CHAIN_TX_INSUFFICIENT_BALANCE: spec(422, 'Chain', 'Balance does not cover amount and fee', 'Fund the sender or send less', { addition: true }),
  CHAIN_TX_NOT_COORDINATOR: spec(422, 'Chain', 'Settlement or slash signer is not a coordinator listed in genesis', "Sign with a coordinator's key", { addition: true }),
  CHAIN_TX_RECEIPT_INVALID: spec(422, 'Chain', 'A receipt of the settlement does not verify', 'Settle the others without the receipt in context.receipt_id', { addition: true }),
  CHAIN_TX_RECEIPT_ALREADY_SETTLED: spec(422, 'Chain', 'Receipt already settled on this chain', 'Count it as settled; settle the others without it', { addition: true }),
  CHAIN_TX_PAYOUTS_MISMATCH: spec(422, 'Chain', "Payouts are not the receipts' prices per provider", 'Pay context.expected: one payout per provider, sorted by address', { addition: true }),
  CHAIN_TX_PROOFS_DISABLED: spec(422, 'Chain', 'This chain takes no receipt proofs', 'Anchor proofs on a chain whose genesis has zk_receipt_vkey', { addition: true }),
  CHAIN_TX_RECEIPT_NOT_SETTLED: spec(422, 'Chain', 'Proven receipt is not settled on this chain', 'Send the proof once the receipt is settled', { addition: true }),
  CHAIN_TX_RECEIPT_ALREADY_PROVEN: spec(422, 'Chain', 'Receipt already proven', 'No action needed', { addition: true }),
  CHAIN_TX_PROOF_INVALID: spec(422, 'Chain', 'Proof or public signals do not match the settled receipt', "Prove the receipt as settled, for genesis' key", { addition: true }),
  CHAIN_TX_BOND_KEY_TAKEN: spec(422, 'Chain', 'Miner key is bonded or unbonding from another address', 'Bond from context.address, or bond your own key', { addition: true }),
  CHAIN_TX_UNBOND_EXCEEDS_BOND: spec(422, 'Chain', 'Unbond amount is more than the sender has bonded on the key', 'Unbond at most context.bonded', { addition: true }),
  CHAIN_TX_SLASH_BAD_SIGNATURE: spec(422, 'Chain', 'A receipt of the evidence does not verify', 'Send the receipts as signed, with the keys their miners signed with', { addition: true }),
  CHAIN_TX_SLASH_REFERENCES_INSUFFICIENT: spec(422, 'Chain', 'Fewer than two references by distinct keys other than the slashed one', 'Send at least context.minimum_references independent references', { addition: true }),
  CHAIN_TX_SLASH_INPUTS_MISMATCH: spec(422, 'Chain', 'A reference ran other inputs than the slashed receipt', 'Use references with the same model, digest, backend, prompt and params', { addition: true }),
  CHAIN_TX_SLASH_REFERENCES_DISAGREE: spec(422, 'Chain', 'The references disagree among themselves', 'No slash: the evidence is not byte-exact', { addition: true }),
  CHAIN_TX_SLASH_OUTPUT_AGREES: spec(422, 'Chain', "The slashed receipt's output equals the references'", 'No slash: the miner agreed with the references', { addition: true }),
  CHAIN_TX_SLASH_NOTHING_BONDED: spec(422, 'Chain', 'Nothing is bonded or unbonding on the miner key', 'No slash: the key has no bond to take', { addition: true }),
  CHAIN_TX_ALREADY_SLASHED: spec(422, 'Chain', 'Receipt already slashed', 'No action needed: GET /rpc/slashes/{receipt_id}', { addition: true }),
  CHAIN_BLOCK_INVALID_FORMAT: spec(422, 'Chain', 'Block is not {header, hash, signature, txs}', 'Nothing for a client to do: a peer sent an invalid block', { addition: true }),
  CHAIN_BLOCK_INVALID_HEIGHT: spec(422, 'Chain', 'Block height does not follow the head', 'Sync from the peer: the node is on another height', { addition: true }),
  CHAIN_BLOCK_WRONG_PARENT: spec(422, 'Chain', 'Block parent is not the head', 'Hand the node its branch through POST /rpc/blocks or sync', { addition: true }),
  CHAIN_BLOCK_INVALID_HASH: spec(422, 'Chain', 'Block hash does not match its header', 'Nothing for a client to do: a peer sent an invalid block', { addition: true }),
  CHAIN_BLOCK_WRONG_PROPOSER: spec(422, 'Chain', 'Proposer is not the authority of the slot', 'Nothing for a client to do: a peer sent an invalid block', { addition: true }),
  CHAIN_BLOCK_INVALID_SIGNATURE: spec(422, 'Chain', 'Proposer signature does not verify', 'Nothing for a client to do: a peer sent an invalid block', { addition: true }),
  CHAIN_BLOCK_FUTURE_TIMESTAMP: spec(422, 'Chain', "Block timestamp is ahead of the node's clock", 'Check the clocks of both nodes', { addition: true }),
  CHAIN_BLOCK_SLOT_NOT_LATER: spec(422, 'Chain', "Block slot is not after its parent's", 'Nothing for a client to do: a peer sent an invalid block', { addition: true }),
  CHAIN_BLOCK_ROOT_MISMATCH: spec(422, 'Chain', 'A header root does not match the block', 'Nothing for a client to do: a peer sent an invalid block', { addition: true }),
  CHAIN_BLOCK_DUPLICATE_TX: spec(422, 'Chain', 'A transaction appears twice in the block', 'Nothing for a client to do: a peer sent an invalid block', { addition: true }),
  CHAIN_BLOCK_INVALID_TX: spec(422, 'Chain', 'A transaction of the block is refused', 'Read context.tx_code: a peer sent an invalid block', { addition: true }),
  CHAIN_BLOCK_CONFLICTS_FINAL: spec(422, 'Chain', 'Block conflicts with a final block', 'Nothing for a client to do: final blocks are never reverted', { addition: true }),
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
  /** The chain node's refusals (CHAIN_TX_*, CHAIN_BLOCK_*): the values a client acts on (receipt_id, expected_nonce, …). */
  context?: Record<string, unknown>;
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
