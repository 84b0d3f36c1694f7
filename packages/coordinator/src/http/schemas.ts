// Wire schemas (TypeBox): one definition gives request validation, the handlers' TypeScript types
// and the OpenAPI document. Shapes follow docs/API.md; amounts are decimal strings of AITBC.

import { Type, type Static, type TSchema } from 'typebox';
import { CAPABILITIES, ERROR_CATALOGUE, JOB_KINDS, MAX_TOKENS_LIMIT, type Capability, type ErrorCode, type JobKind } from '@aitbc/protocol';
import { JOB_STATUSES, SCOPES, type JobStatus, type Scope } from '../store/store.ts';
import { MAX_DISPUTE_REASON_CHARS } from '../verification/dispute.ts';

const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

const ToolName = Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$', description: '1–64 of A-Z a-z 0-9 _ -' });

export const ToolCall = Type.Object(
  {
    id: Type.String({ minLength: 1, maxLength: 128 }),
    type: Type.Literal('function'),
    function: Type.Object({ name: ToolName, arguments: Type.String({ maxLength: 1_000_000 }) }, { additionalProperties: false }),
  },
  { additionalProperties: false },
);

export const Amount = Type.String({ description: 'Decimal string of AITBC, at most 6 decimals (1 µAIT)', examples: ['2.5'] });
export const Timestamp = Type.String({ format: 'date-time', description: 'RFC 3339' });
export const ModelName = Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}$', description: 'Model name, e.g. llama3.2' });
export const MinerId = Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$', description: '1–64 of A-Z a-z 0-9 . _ -' });
export const JobId = Type.String({ description: 'job-…' });
// Plain `enum` rather than a union of literals, so a bad value names the allowed ones.
export const Status = Type.Unsafe<JobStatus>({ type: 'string', enum: [...JOB_STATUSES] });
export const ScopeName = Type.Unsafe<Scope>({ type: 'string', enum: [...SCOPES] });

export const ErrorEnvelope = Type.Object(
  {
    detail: Type.String(),
    error_code: Type.String(),
    request_id: Type.String(),
    field: Type.Optional(Type.String({ description: 'Dotted path of the offending field, or a header name' })),
    retry_after: Type.Optional(Type.Integer({ minimum: 1, description: 'Seconds to wait before retrying' })),
    error: Type.Optional(
      Type.Object(
        { message: Type.String(), type: Type.String(), code: Type.String(), param: Type.Union([Type.String(), Type.Null()]) },
        { description: "OpenAI's error object, on the OpenAI-compatible routes only" },
      ),
    ),
  },
  { description: 'The seed error envelope' },
);

/** Response schemas for the given error codes, grouped by HTTP status, each listing its codes. */
export function errorResponses(...codes: ErrorCode[]): Record<number, TSchema> {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of new Set(codes)) {
    const status = ERROR_CATALOGUE[code].status;
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  const responses: Record<number, TSchema> = {};
  for (const [status, list] of byStatus) {
    responses[status] = { ...ErrorEnvelope, description: list.map((code) => `\`${code}\`: ${ERROR_CATALOGUE[code].description}`).join('; ') };
  }
  return responses;
}

export const AUTH_ERRORS: ErrorCode[] = ['AUTH_MISSING_KEY', 'AUTH_INVALID_KEY', 'AUTH_EXPIRED_KEY', 'AUTH_INSUFFICIENT_SCOPE'];
export const BODY_ERRORS: ErrorCode[] = ['VALIDATION_MISSING_FIELD', 'VALIDATION_INVALID_TYPE', 'VALIDATION_OUT_OF_RANGE', 'VALIDATION_INVALID_FORMAT', 'PAYLOAD_TOO_LARGE'];
export const ALWAYS_ERRORS: ErrorCode[] = ['SYSTEM_INTERNAL_ERROR'];

// ---- keys

export const CreateKeyBody = Type.Object(
  {
    scopes: Type.Array(ScopeName, { minItems: 1, maxItems: 3 }),
    account: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$', description: 'Balance the key spends from; default: an account of its own' })),
    expires_at: Type.Optional(Timestamp),
    rate_limit_per_minute: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000 })),
    daily_job_quota: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000_000 })),
  },
  { additionalProperties: false },
);

export const KeyView = Type.Object({
  key_id: Type.String(),
  scopes: Type.Array(Type.String()),
  account: Type.String(),
  expires_at: Nullable(Timestamp),
  created_at: Timestamp,
  revoked_at: Nullable(Timestamp),
  rate_limit_per_minute: Nullable(Type.Integer()),
  daily_job_quota: Nullable(Type.Integer()),
});

export const CreatedKey = Type.Object({ ...KeyView.properties, key: Type.String({ description: 'Shown once; stored only hashed' }) });

export const KeyIdParams = Type.Object({ key_id: Type.String() });

// ---- jobs

export const JobParams = Type.Object(
  {
    max_tokens: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_TOKENS_LIMIT })),
    temperature: Type.Optional(Type.Number({ minimum: 0, maximum: 2 })),
    top_p: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
    seed: Type.Optional(Type.Integer({ minimum: 0, maximum: 2 ** 32 - 1 })),
    stop: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { maxItems: 4 })),
  },
  { additionalProperties: false },
);

export const SubmitJobBody = Type.Object(
  {
    model: ModelName,
    prompt: Type.String({ minLength: 1 }),
    params: Type.Optional(JobParams),
    max_price: Amount,
    ttl_seconds: Type.Optional(Type.Integer({ minimum: 10, maximum: 86400, default: 900 })),
    miner_id: Type.Optional(Type.String({ description: 'Pin the job to this miner' })),
    verify: Type.Optional(
      Type.Boolean({ description: 'Re-run the job on a miner of another owner with the same weights, at your cost: max_price is escrowed twice; see `verification` in the job view' }),
    ),
    min_reputation: Type.Optional(Type.Number({ minimum: 0, maximum: 1, description: 'Only miners whose reputation score is at least this may run the job' })),
    acceptance_window_seconds: Type.Optional(
      Type.Integer({ minimum: 0, description: "How long after completion you may dispute the job (the miner's earnings are held until then): 0 up to the coordinator's window, which is the default" }),
    ),
  },
  { additionalProperties: false },
);
export type SubmitJobBody = Static<typeof SubmitJobBody>;

export const CreatedJob = Type.Object({
  job_id: Type.String(),
  status: Status,
  model: Type.String(),
  max_price: Amount,
  created_at: Timestamp,
  deadline: Timestamp,
});

export const JobView = Type.Object({
  job_id: Type.String(),
  status: Status,
  model: Type.String(),
  kind: Type.String({ description: 'text, chat or embedding' }),
  max_price: Amount,
  price: Nullable(Amount),
  miner_id: Nullable(Type.String()),
  attempts: Type.Integer(),
  created_at: Timestamp,
  started_at: Nullable(Timestamp),
  completed_at: Nullable(Timestamp),
  deadline: Timestamp,
  error: Nullable(Type.String()),
  receipt_id: Nullable(Type.String()),
});

export const Verification = Type.Object(
  {
    status: Type.Union([Type.Literal('pending'), Type.Literal('agreed'), Type.Literal('disagreed'), Type.Literal('inconclusive'), Type.Literal('abandoned')]),
    job_id: Type.String({ description: 'The re-run' }),
    detail: Nullable(Type.String()),
  },
  { description: 'The re-execution a job submitted with verify: true gets' },
);

export const Dispute = Type.Object(
  {
    status: Type.Union([Type.Literal('open'), Type.Literal('upheld'), Type.Literal('rejected'), Type.Literal('inconclusive')]),
    reason: Type.String(),
    check_id: Type.Integer({ description: 'The re-execution check that decides it (GET /v1/admin/checks)' }),
    detail: Nullable(Type.String()),
    opened_at: Timestamp,
    decided_at: Nullable(Timestamp),
  },
  { description: "The client's dispute of the job: open until its re-execution is judged; upheld refunds the price" },
);

/** What a client sees of its job: the job view, whether and how it was verified, its acceptance window and dispute. */
export const ClientJobView = Type.Object({
  ...JobView.properties,
  verify: Type.Boolean(),
  verification: Nullable(Verification),
  /** End of the acceptance window (null before completion): the job may be disputed until then. */
  accept_until: Nullable(Timestamp),
  dispute: Nullable(Dispute),
});

export const DisputeBody = Type.Object({ reason: Type.String({ minLength: 1, maxLength: MAX_DISPUTE_REASON_CHARS }) }, { additionalProperties: false });

export const JobIdParams = Type.Object({ id: JobId });

export const ListJobsQuery = Type.Object(
  {
    status: Type.Optional(Status),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
    cursor: Type.Optional(Type.String({ maxLength: 200 })),
  },
  { additionalProperties: false },
);

export const JobList = Type.Object({ items: Type.Array(ClientJobView), next_cursor: Nullable(Type.String()) });

export const ReceiptSignature = Type.Object({
  alg: Type.String(),
  role: Type.String(),
  key_id: Type.String(),
  sig: Type.String(),
});

/** A receipt as docs/RECEIPTS.md defines it (the checks beyond shape live in @aitbc/protocol). */
export const Receipt = Type.Object({
  version: Type.Integer(),
  receipt_id: Type.String(),
  chain_id: Type.String(),
  job_id: Type.String(),
  client: Type.String(),
  provider: Type.String(),
  miner_id: Type.String(),
  model: Type.String(),
  units: Type.String(),
  unit_type: Type.String(),
  unit_price: Type.String(),
  price: Type.String(),
  prompt_hash: Type.String(),
  output_hash: Type.String(),
  started_at: Type.Integer(),
  completed_at: Type.Integer(),
  nonce: Type.String(),
  model_digest: Type.Optional(Type.String({ description: 'Version 2 only: the weights that ran' })),
  backend: Type.Optional(Type.String({ description: 'Version 2 only: ollama, openai or demo' })),
  params_hash: Type.Optional(Type.String({ description: "Version 2 only: sha256 of JCS of the job's generation parameters" })),
  signatures: Type.Array(ReceiptSignature),
});

export const Usage = Type.Object(
  {
    prompt_tokens: Type.Integer({ minimum: 0, maximum: 100_000_000 }),
    completion_tokens: Type.Integer({ minimum: 0, maximum: 100_000_000 }),
  },
  { additionalProperties: false },
);

export const JobResult = Type.Object({
  job_id: Type.String(),
  status: Type.Literal('completed'),
  output: Type.String(),
  tool_calls: Type.Optional(Type.Array(ToolCall, { description: 'A chat job that called tools' })),
  embeddings: Type.Optional(Type.Array(Type.Array(Type.Number()), { description: 'An embedding job: one vector per input' })),
  usage: Usage,
  price: Amount,
  receipt: Receipt,
});

// ---- miners

export const ModelDigest = Type.String({ pattern: '^sha256:[0-9a-f]{64}$', description: '"sha256:" and 64 lowercase hex digits' });

export const RegisterMinerBody = Type.Object(
  {
    miner_id: MinerId,
    public_key: Type.String({ description: 'base64url of the raw 32-byte Ed25519 public key' }),
    payout_address: Type.Optional(
      Type.String({ description: "ait1…; default: the address of public_key. Never the coordinator's own (clearing) address: VALIDATION_INVALID_FORMAT on payout_address" }),
    ),
    models: Type.Array(ModelName, { minItems: 1, maxItems: 64, uniqueItems: true }),
    max_concurrency: Type.Optional(Type.Integer({ minimum: 1, maximum: 256, default: 1 })),
    prices: Type.Record(Type.String(), Amount, { description: 'AITBC per token, one entry per model' }),
    gpu: Type.Optional(
      Type.Object(
        {
          name: Type.String({ minLength: 1, maxLength: 128 }),
          memory_gb: Type.Optional(Type.Number({ minimum: 0, maximum: 100_000 })),
        },
        { additionalProperties: false },
      ),
    ),
    capabilities: Type.Optional(
      Type.Record(
        Type.String(),
        Type.Object(
          {
            capabilities: Type.Array(Type.Unsafe<Capability>({ type: 'string', enum: [...CAPABILITIES] }), { uniqueItems: true }),
            context_length: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000_000 })),
          },
          { additionalProperties: false },
        ),
        { maxProperties: 64, description: "Model → what its backend supports; a model left out offers ['completion', 'chat']" },
      ),
    ),
    digests: Type.Optional(
      Type.Record(Type.String(), ModelDigest, {
        maxProperties: 64,
        description: 'Model → digest of the weights served (Ollama\'s /api/tags digest, a GGUF\'s SHA-256), one per offered model at most. A miner that advertises any must send version-2 receipts naming them',
      }),
    ),
  },
  { additionalProperties: false },
);

const Count = Type.Integer({ minimum: 0 });

/** A miner's track record as the public sees it (the store's MinerTrackRecord). */
export const MinerReputation = Type.Object({
  score: Type.Number({ minimum: 0, maximum: 1, description: 'Wilson lower bound (95 %) over weighted good and bad outcomes; 0 for a new miner' }),
  paused: Type.Boolean({ description: 'Paused from new work by a failed check (the same as the view\'s `paused`)' }),
  verified_jobs: Type.Integer({ minimum: 0, description: 'Checks passed: canaries answered right plus re-executions that agreed' }),
  jobs_completed: Count,
  jobs_failed: Type.Integer({ minimum: 0, description: 'Failures the miner reported, and streams it broke' }),
  lease_lapses: Type.Integer({ minimum: 0, description: 'Jobs taken back: lease expired, or missing from its heartbeat' }),
  canaries_passed: Count,
  canaries_failed: Count,
  reexecutions_agreed: Count,
  reexecutions_disagreed: Count,
  uptime_s: Type.Integer({ minimum: 0, description: 'Seconds online: gaps between heartbeats no longer than the miner timeout' }),
  first_seen_at: Timestamp,
});

export const MinerView = Type.Object({
  miner_id: Type.String(),
  public_key: Type.String(),
  payout_address: Type.String(),
  models: Type.Array(Type.String()),
  prices: Type.Record(Type.String(), Amount),
  max_concurrency: Type.Integer(),
  gpu: Nullable(Type.Object({ name: Type.String(), memory_gb: Type.Optional(Type.Number()) })),
  digests: Type.Record(Type.String(), Type.String(), { description: 'The digests advertised at registration; {} for none' }),
  capabilities: Type.Record(Type.String(), Type.Object({ capabilities: Type.Array(Type.String()), context_length: Nullable(Type.Integer()) }), {
    description: 'Model → what its backend supports, as advertised at registration',
  }),
  status: Type.Union([Type.Literal('online'), Type.Literal('offline')]),
  last_seen_at: Timestamp,
  registered_at: Timestamp,
  paused: Type.Boolean({ description: 'Paused from new work by a failed check: it gets only canaries until it resumes' }),
  pause_reason: Nullable(Type.String({ description: 'Which check failed, and how' })),
  needs_review: Type.Boolean({ description: 'Only an operator can resume it (POST /v1/admin/miners/{id}/resume): a second failed check, or a canary failed while paused' }),
  reputation: MinerReputation,
});

export const MinerBondView = Type.Object(
  {
    address: Nullable(Type.String({ description: 'The address the key is bonded from; it counts for --min-bond only when it is the payout_address' })),
    bonded: Amount,
    unbonding: Amount,
  },
  { description: 'What final blocks show on the miner key (only GET /v1/miners/{id}, only with a chain connected); both are slashable' },
);

export const MinerDetailView = Type.Object({ ...MinerView.properties, bond: Type.Optional(MinerBondView) });

export const CheckView = Type.Object({
  check_id: Type.Integer(),
  kind: Type.Union([Type.Literal('canary'), Type.Literal('reexecution')]),
  miner_id: Type.String({ description: 'Whose work is checked' }),
  subject_job_id: Nullable(Type.String({ description: 'Re-execution: the client job re-run' })),
  check_job_id: Type.String({ description: 'The canary job, or the re-run' }),
  tiebreak_job_ids: Type.Array(Type.String(), { description: 'The runs after a disagreement, in order (at most two: a run fails only when three others agree against it)' }),
  failed_miner_ids: Type.Array(Type.String(), { description: "The miners whose run the verdict failed: the checked miner, or a verifier outvoted ('agree')" }),
  verdict: Nullable(Type.Union([Type.Literal('agree'), Type.Literal('disagree'), Type.Literal('inconclusive'), Type.Literal('abandoned')], { description: 'null while pending' })),
  rule: Nullable(Type.String({ description: 'exact, prefix or none (docs/API.md)' })),
  detail: Nullable(Type.String()),
  created_at: Timestamp,
  decided_at: Nullable(Timestamp),
});

export const ListChecksQuery = Type.Object(
  {
    miner_id: Type.Optional({ ...MinerId, description: "The checks of this miner's work, and those that failed its run as a verifier" }),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
    cursor: Type.Optional(Type.String({ pattern: '^[0-9]{1,15}$', description: 'next_cursor of the previous page' })),
  },
  { additionalProperties: false },
);

export const CheckList = Type.Object({ items: Type.Array(CheckView), next_cursor: Nullable(Type.String()) });

export const ListMinersQuery = Type.Object(
  {
    model: Type.Optional(ModelName),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
    cursor: Type.Optional(Type.String({ maxLength: 200 })),
  },
  { additionalProperties: false },
);

export const MinerList = Type.Object({ items: Type.Array(MinerView), next_cursor: Nullable(Type.String()) });

export const MinerIdBody = Type.Object({ miner_id: MinerId }, { additionalProperties: false });
export const MinerIdParams = Type.Object({ miner_id: Type.String() });

export const HeartbeatBody = Type.Object(
  {
    miner_id: MinerId,
    jobs: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 128 }), {
        maxItems: 256,
        description:
          'The jobs this miner is running now. Only their leases are extended; any other job the coordinator holds for this miner (claimed more than 15 s ago) lapses at once: re-queued, or failed and refunded when its attempts are spent. Omitted: every lease is extended (miners from before this field).',
      }),
    ),
  },
  { additionalProperties: false },
);

export const HeartbeatView = Type.Object({
  miner_id: Type.String(),
  status: Type.Literal('online'),
  running_jobs: Type.Array(Type.String(), { description: 'Jobs the coordinator believes this miner holds; abandon any other, and hand back (fail, retryable) any listed job you do not run' }),
  lapsed_jobs: Type.Array(Type.String(), { description: 'Jobs this heartbeat took back because `jobs` did not list them' }),
  lease_expires_at: Nullable(Timestamp),
});

export const PollBody = Type.Object(
  {
    miner_id: MinerId,
    wait_seconds: Type.Optional(Type.Integer({ minimum: 0, maximum: 60, default: 20 })),
  },
  { additionalProperties: false },
);

export const ReceiptTemplate = Type.Object({
  version: Type.Integer({ description: '1, or 2 for a miner that advertised digests: its receipt must add model_digest, backend and params_hash (docs/RECEIPTS.md)' }),
  chain_id: Type.String(),
  job_id: Type.String(),
  client: Type.String(),
  provider: Type.String(),
  miner_id: Type.String(),
  model: Type.String(),
  unit_type: Type.String(),
  unit_price: Type.String(),
  nonce: Type.String(),
  prompt_hash: Type.String(),
});

export const JobKindName = Type.Unsafe<JobKind>({ type: 'string', enum: [...JOB_KINDS], description: 'text (a prompt continued), chat (messages, tools, output format) or embedding' });

export const ClaimedJob = Type.Object({
  job_id: Type.String(),
  model: Type.String(),
  kind: JobKindName,
  prompt: Type.String({ description: "The canonical request: a text job's prompt; JCS JSON of the chat or embedding request otherwise (docs/API.md, Job types)" }),
  params: JobParams,
  max_price: Amount,
  unit_price: Amount,
  deadline: Timestamp,
  claimed_at: Timestamp,
  lease_expires_at: Timestamp,
  attempt: Type.Integer(),
  client: Type.String(),
  receipt_template: ReceiptTemplate,
  stream: Type.Boolean({ description: 'A client is waiting for the output as it is produced: send it over WS /v1/jobs/{id}/stream' }),
});

export const CompleteBody = Type.Object(
  {
    miner_id: MinerId,
    output: Type.String({ description: "The generated text; '' for an embedding job" }),
    tool_calls: Type.Optional(Type.Array(ToolCall, { maxItems: 128, description: 'A chat turn that called tools: the calls' })),
    embeddings: Type.Optional(Type.Array(Type.Array(Type.Number()), { maxItems: 2048, description: 'An embedding job: one vector per input' })),
    usage: Usage,
    receipt: Type.Object({}, { additionalProperties: true, description: 'The receipt of docs/RECEIPTS.md, signed by the miner' }),
  },
  { additionalProperties: false },
);

// ---- OpenAI-compatible routes: the fields we honour are checked; any other field an OpenAI client
// sends (penalties, logit_bias, …) is accepted and ignored, so that clients work unchanged.

const OpenAiCommon = {
  model: ModelName,
  max_tokens: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_TOKENS_LIMIT })),
  max_completion_tokens: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_TOKENS_LIMIT })),
  temperature: Type.Optional(Type.Number({ minimum: 0, maximum: 2 })),
  top_p: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
  seed: Type.Optional(Type.Integer({ minimum: 0, maximum: 2 ** 32 - 1 })),
  stop: Type.Optional(Type.Union([Type.String({ minLength: 1, maxLength: 64 }), Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { maxItems: 4 }), Type.Null()])),
  n: Type.Optional(Type.Integer({ minimum: 1, description: 'Must be 1' })),
  stream: Type.Optional(Type.Boolean()),
  stream_options: Type.Optional(Type.Union([Type.Object({ include_usage: Type.Optional(Type.Boolean()) }, { additionalProperties: true }), Type.Null()])),
  user: Type.Optional(Type.String({ maxLength: 256 })),
  max_price: Type.Optional(Type.String({ description: 'AITBC extension: the most this request may cost (escrowed), in AITBC; default set by the operator' })),
};

const ContentPartShapes = Type.Union([
  Type.Object({ type: Type.Literal('text'), text: Type.String() }, { additionalProperties: true }),
  Type.Object(
    { type: Type.Literal('image_url'), image_url: Type.Object({ url: Type.String({ minLength: 1 }), detail: Type.Optional(Type.String()) }, { additionalProperties: true }) },
    { additionalProperties: true },
  ),
]);
/**
 * The part's `type` is checked first, so an audio or file part (OpenAI clients send them) is
 * refused on `messages.N.content.M.type`, naming the types there are, rather than as a content
 * that "must be of type string".
 */
const ContentPart = Type.Unsafe<Static<typeof ContentPartShapes>>({
  allOf: [{ type: 'object', required: ['type'], properties: { type: { type: 'string', enum: ['text', 'image_url'] } } }, ContentPartShapes],
});

export const ChatMessage = Type.Object(
  {
    role: Type.Union([Type.Literal('system'), Type.Literal('developer'), Type.Literal('user'), Type.Literal('assistant'), Type.Literal('tool')]),
    content: Type.Optional(Type.Union([Type.String(), Type.Array(ContentPart, { description: 'text and image_url parts (audio and file parts are refused)' }), Type.Null()])),
    name: Type.Optional(Type.String({ maxLength: 64 })),
    tool_calls: Type.Optional(Type.Array(ToolCall, { maxItems: 128 })),
    tool_call_id: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
  },
  { additionalProperties: true },
);

export const ToolDefinition = Type.Object(
  {
    type: Type.Literal('function', { description: 'Only function tools exist here' }),
    function: Type.Object(
      {
        name: ToolName,
        description: Type.Optional(Type.String({ maxLength: 4096 })),
        parameters: Type.Optional(Type.Object({}, { additionalProperties: true, description: 'JSON Schema of the arguments' })),
        strict: Type.Optional(Nullable(Type.Boolean())),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);

export const ToolChoice = Type.Union([
  Type.Literal('none'),
  Type.Literal('auto'),
  Type.Literal('required'),
  Type.Object({ type: Type.Literal('function'), function: Type.Object({ name: ToolName }, { additionalProperties: false }) }, { additionalProperties: false }),
]);

export const ResponseFormat = Type.Union([
  Type.Object({ type: Type.Literal('text') }, { additionalProperties: false }),
  Type.Object({ type: Type.Literal('json_object') }, { additionalProperties: false }),
  Type.Object(
    {
      type: Type.Literal('json_schema'),
      json_schema: Type.Object(
        {
          name: Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$' }),
          description: Type.Optional(Type.String()),
          schema: Type.Optional(Type.Object({}, { additionalProperties: true })),
          strict: Type.Optional(Nullable(Type.Boolean())),
        },
        { additionalProperties: false },
      ),
    },
    { additionalProperties: false },
  ),
]);

export const ChatCompletionBody = Type.Object(
  {
    ...OpenAiCommon,
    messages: Type.Array(ChatMessage, { minItems: 1, maxItems: 1024 }),
    tools: Type.Optional(Type.Array(ToolDefinition, { maxItems: 128 })),
    tool_choice: Type.Optional(ToolChoice),
    parallel_tool_calls: Type.Optional(Type.Boolean({ description: 'Accepted and ignored: a miner may answer with several calls either way' })),
    response_format: Type.Optional(ResponseFormat),
    logprobs: Type.Optional(Nullable(Type.Boolean({ description: 'true is refused: receipts do not bind log probabilities yet' }))),
    top_logprobs: Type.Optional(Nullable(Type.Integer({ minimum: 0, maximum: 20, description: 'More than 0 is refused, as logprobs' }))),
  },
  { additionalProperties: true },
);

export const EmbeddingsBody = Type.Object(
  {
    model: ModelName,
    input: Type.Union([Type.String(), Type.Array(Type.String(), { minItems: 1, maxItems: 2048 }), Type.Array(Type.Any(), { minItems: 1, maxItems: 2048 })], {
      description: 'A string or a list of up to 2,048 strings (token arrays are refused)',
    }),
    encoding_format: Type.Optional(Type.Union([Type.Literal('float'), Type.Literal('base64')])),
    dimensions: Type.Optional(Type.Integer({ minimum: 1, maximum: 8192 })),
    user: Type.Optional(Type.String({ maxLength: 256 })),
    max_price: Type.Optional(Type.String({ description: 'AITBC extension: the most this request may cost (escrowed), in AITBC; default set by the operator' })),
  },
  { additionalProperties: true },
);

export const CompletionBody = Type.Object(
  { ...OpenAiCommon, prompt: Type.Union([Type.String({ minLength: 1 }), Type.Array(Type.String({ minLength: 1 }), { minItems: 1, maxItems: 1 })]) },
  { additionalProperties: true },
);

export const CompletedView = Type.Object({ job_id: Type.String(), status: Status, price: Amount, receipt: Receipt });

export const FailBody = Type.Object(
  {
    miner_id: MinerId,
    reason: Type.String({ minLength: 1, maxLength: 2000 }),
    retryable: Type.Optional(Type.Boolean({ default: true })),
  },
  { additionalProperties: false },
);

// ---- public

export const ReceiptIdParams = Type.Object({ id: Type.String() });

export const ReceiptMinerKeyView = Type.Object({
  receipt_id: Type.String(),
  miner_id: Type.String(),
  public_key: Type.String({ description: 'base64url key the miner signed this receipt with, as this coordinator checked it on acceptance (a miner may have registered another key since)' }),
});

/** OpenAI's model object, with what the market offers it at (per token, over the online miners offering it; null when none is online). */
export const ModelObject = Type.Object({
  id: Type.String(),
  object: Type.Literal('model'),
  created: Type.Integer({ description: 'Always 0: a model on the market has no creation time' }),
  owned_by: Type.String(),
  miners_online: Type.Integer(),
  min_price: Nullable(Amount),
  median_price: Nullable(Amount),
  capabilities: Type.Array(Type.String(), { description: 'What at least one online miner serving it supports (protocol CAPABILITIES); [] when none is online' }),
  context_length: Nullable(Type.Integer({ description: 'The longest context an online miner runs it with, when one says' })),
});

export const ModelList = Type.Object({ object: Type.Literal('list'), data: Type.Array(ModelObject) });

export const Health = Type.Object({
  status: Type.Literal('ok'),
  version: Type.String(),
  uptime_s: Type.Integer(),
  db: Type.Literal('ok'),
  chain: Type.Union([Type.Literal('ok'), Type.Literal('unreachable'), Type.Literal('disabled')]),
});

export const CoordinatorInfo = Type.Object({
  public_key: Type.String({ description: 'base64url Ed25519 key that co-signs every receipt; pin it' }),
  chain_id: Type.String(),
  version: Type.String(),
  clearing_address: Type.Optional(Type.String({ description: 'With a chain: deposit here (a transfer whose memo is your account name)' })),
});

// ---- money and receipts

export const AccountView = Type.Object({
  account: Type.String(),
  available: Amount,
  escrowed: Amount,
  withdrawing: Amount,
  /** The prices of its completed jobs still inside their acceptance window and not disputed. */
  disputable: Amount,
});
export const AccountParams = Type.Object({ account: Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$' }) });
export const CreditBody = Type.Object({ amount: Amount }, { additionalProperties: false });

export const EarningsView = Type.Object({
  miner_id: Type.String(),
  /** Earned by jobs still inside their acceptance window, or under dispute: not claimable yet. */
  held: Amount,
  earned: Amount,
  claimed: Amount,
  unclaimed_receipts: Type.Integer(),
  settled: Amount,
});

export const VerifyBody = Type.Object({ receipt: Type.Object({}, { additionalProperties: true }) }, { additionalProperties: false });
export const VerifyView = Type.Object({
  valid: Type.Boolean(),
  checks: Type.Array(Type.Object({ name: Type.String(), ok: Type.Boolean(), detail: Type.String() })),
});

export const ReceiptClaimView = Type.Object({
  receipt_id: Type.String(),
  miner_id: Type.String(),
  amount: Amount,
  claimed_at: Timestamp,
  settlement: Type.Union([Type.Literal('pending'), Type.Literal('settled')]),
});

export const MaintenanceBody = Type.Object(
  {
    enabled: Type.Boolean(),
    message: Type.Optional(Type.String({ maxLength: 500 })),
    retry_after: Type.Optional(Type.Integer({ minimum: 1, maximum: 86_400 })),
  },
  { additionalProperties: false },
);
export const MaintenanceView = Type.Object({ enabled: Type.Boolean(), message: Type.String(), retry_after: Type.Integer() });

export const LedgerAuditView = Type.Object({
  ok: Type.Boolean(),
  problems: Type.Array(Type.String()),
  jobs: Type.Integer(),
  totals: Type.Object({ credited: Amount, available: Amount, escrowed: Amount, held: Amount, earned: Amount, claimed: Amount, withdrawing: Amount }),
});

// ---- chain

export const WithdrawBody = Type.Object(
  {
    to: Type.String({ description: 'ait1… address the AITBC go to' }),
    amount: Amount,
  },
  { additionalProperties: false },
);

export const OutboxView = Type.Object({
  outbox_id: Type.Integer(),
  kind: Type.Union([Type.Literal('settle'), Type.Literal('withdraw'), Type.Literal('slash')]),
  state: Type.String({ description: 'queued → pending (signed) → sent → final; or failed (PAYMENT_FAILED) or duplicate (RECEIPT_ALREADY_CLAIMED)' }),
  amount: Amount,
  receipts: Type.Integer(),
  account: Nullable(Type.String()),
  to: Nullable(Type.String()),
  nonce: Nullable(Type.Integer()),
  tx_hash: Nullable(Type.String()),
  block_height: Nullable(Type.Integer()),
  error_code: Nullable(Type.String()),
  error: Nullable(Type.String()),
  created_at: Timestamp,
  updated_at: Timestamp,
});

export const WithdrawalView = Type.Object({
  withdrawal_id: Type.Integer(),
  account: Type.String(),
  to: Type.String(),
  amount: Amount,
  status: Type.String({ description: 'queued until signed and sent; final once in a final block; failed (refunded) if the chain refuses it' }),
  available: Amount,
  created_at: Timestamp,
});

export const ChainAdminView = Type.Object({
  chain: Type.Union([Type.Literal('ok'), Type.Literal('unreachable'), Type.Literal('disabled')]),
  chain_url: Nullable(Type.String()),
  clearing_address: Nullable(Type.String()),
  on_chain_balance: Nullable(Amount),
  books: Nullable(
    Type.Object({
      available: Amount,
      escrowed: Amount,
      unsettled_earnings: Amount,
      pending_withdrawals: Amount,
      unmatched_deposits: Amount,
      admin_credits: Amount,
      total: Amount,
    }),
  ),
  difference: Nullable(Type.String({ description: 'on_chain_balance − books.total; 0 when the books match the chain (transactions in flight make it move briefly)' })),
  deposit_cursor: Nullable(Type.Integer()),
  outbox: Type.Array(OutboxView),
  unmatched_deposits: Type.Array(
    Type.Object({ tx_hash: Type.String(), block_height: Type.Integer(), from: Type.String(), amount: Amount, memo: Nullable(Type.String()), seen_at: Timestamp }),
  ),
});

export const OutboxIdParams = Type.Object({ outbox_id: Type.Integer({ minimum: 1 }) });
