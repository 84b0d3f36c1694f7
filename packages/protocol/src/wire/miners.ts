// Miners on the wire: registration (models, prices, capabilities, digests), the public view with
// its track record, and the work loop a miner runs (heartbeat, poll, complete, fail).

import { Type, type Static } from 'typebox';
import { Amount, CapabilityName, Count, MinerId, ModelName, Nullable, PageOf, PageQuery, Timestamp, ToolCall, Usage } from './common.ts';
import { JobId, JobKindName, JobParams, MAX_BATCH_JOBS, Status } from './jobs.ts';
import { ErrorEnvelope } from './errors.ts';
import { ReceiptBody, Receipt, ReceiptTemplate } from './receipts.ts';

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
            capabilities: Type.Array(CapabilityName, { uniqueItems: true }),
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
  capabilities: Type.Record(Type.String(), Type.Object({ capabilities: Type.Array(CapabilityName), context_length: Nullable(Type.Integer()) }), {
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

export const ListMinersQuery = Type.Object(
  {
    model: Type.Optional(ModelName),
    ...PageQuery,
  },
  { additionalProperties: false },
);

export const MinerList = PageOf(MinerView);

/** GET /v1/market: the market at a glance (public). */
export const MarketView = Type.Object({
  models: Type.Array(
    Type.Object({
      model: Type.String(),
      miners_online: Count,
      min_price: Nullable({ ...Amount, description: 'Per unit (token) among online miners; null when none offers it' }),
      max_price: Nullable({ ...Amount, description: 'Per unit (token) among online miners' }),
      capabilities: Type.Array(CapabilityName, { description: 'What some online miner can do with it' }),
      queued: Count,
    }),
    { description: 'Models on offer (and the operator’s --models), and models with queued jobs' },
  ),
  miners_online: Count,
  queue_depth: { ...Count, description: 'Jobs queued' },
  jobs_per_minute: Type.Number({ description: 'Jobs completed in the last 10 minutes ÷ 10' }),
  completed_last_hour: Count,
});

export const MinerIdBody = Type.Object({ miner_id: MinerId }, { additionalProperties: false });
export const MinerIdParams = Type.Object({ miner_id: Type.String() });

// ---- the work loop

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
    receipt: { ...ReceiptBody, description: 'The receipt of docs/RECEIPTS.md, signed by the miner' },
  },
  { additionalProperties: false },
);

export const CompletedView = Type.Object({ job_id: Type.String(), status: Status, price: Amount, receipt: Receipt });

export const PollBatchBody = Type.Object(
  {
    miner_id: MinerId,
    max_jobs: Type.Integer({ minimum: 1, maximum: MAX_BATCH_JOBS, description: 'Claim up to this many jobs at once; fewer when the miner has fewer free slots (max_concurrency) or its bond covers fewer' }),
    wait_seconds: Type.Optional(Type.Integer({ minimum: 0, maximum: 60, default: 20 })),
  },
  { additionalProperties: false },
);

export const ClaimedJobs = Type.Object({ jobs: Type.Array(ClaimedJob, { description: 'The jobs claimed, oldest first; empty when none came within wait_seconds' }) });

const { miner_id: _minerId, ...completionFields } = CompleteBody.properties;

export const CompleteBatchItem = Type.Object({ job_id: JobId, ...completionFields }, { additionalProperties: false });

export const CompleteBatchBody = Type.Object(
  { miner_id: MinerId, completions: Type.Array(CompleteBatchItem, { minItems: 1, maxItems: MAX_BATCH_JOBS, description: `1–${MAX_BATCH_JOBS} completions of jobs the miner holds` }) },
  { additionalProperties: false },
);

export const CompletedJobs = Type.Object({
  results: Type.Array(Type.Union([CompletedView, Type.Object({ job_id: Type.String(), error: ErrorEnvelope })]), {
    description: 'One per completion sent, in order: the completed job, or the error it alone got (the job stays as it was unless the error says otherwise)',
  }),
});

export const FailBody = Type.Object(
  {
    miner_id: MinerId,
    reason: Type.String({ minLength: 1, maxLength: 2000 }),
    retryable: Type.Optional(Type.Boolean({ default: true })),
  },
  { additionalProperties: false },
);

export type RegisterMinerBody = Static<typeof RegisterMinerBody>;
export type MinerReputation = Static<typeof MinerReputation>;
export type MinerView = Static<typeof MinerView>;
export type MinerBondView = Static<typeof MinerBondView>;
export type MinerDetailView = Static<typeof MinerDetailView>;
export type ListMinersQuery = Static<typeof ListMinersQuery>;
export type MarketView = Static<typeof MarketView>;
export type MinerList = Static<typeof MinerList>;
export type MinerIdBody = Static<typeof MinerIdBody>;
export type MinerIdParams = Static<typeof MinerIdParams>;
export type HeartbeatBody = Static<typeof HeartbeatBody>;
export type HeartbeatView = Static<typeof HeartbeatView>;
export type PollBody = Static<typeof PollBody>;
export type ClaimedJob = Static<typeof ClaimedJob>;
export type CompleteBody = Static<typeof CompleteBody>;
export type CompletedView = Static<typeof CompletedView>;
export type PollBatchBody = Static<typeof PollBatchBody>;
export type ClaimedJobs = Static<typeof ClaimedJobs>;
export type CompleteBatchItem = Static<typeof CompleteBatchItem>;
export type CompleteBatchBody = Static<typeof CompleteBatchBody>;
export type CompletedJobs = Static<typeof CompletedJobs>;
export type FailBody = Static<typeof FailBody>;
