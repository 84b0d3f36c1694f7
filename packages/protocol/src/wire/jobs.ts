// A client's jobs on the wire: submit, the job as its client sees it (verification, acceptance
// window, dispute), lists, results and disputes (docs/API.md, Jobs).

import { Type, type Static } from 'typebox';
import { MAX_TOKENS_LIMIT, type JobParams as ProtocolJobParams } from '../job-params.ts';
import { JOB_KINDS, type JobKind } from '../job-types/job-type.ts';
import { Amount, ModelName, Nullable, PageOf, PageQuery, Timestamp, ToolCall, Usage, type Same } from './common.ts';
import { Receipt } from './receipts.ts';
import { BatchItemError } from './errors.ts';

export const JOB_STATUSES = ['queued', 'running', 'completed', 'failed', 'cancelled', 'expired'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

/** The longest reason a dispute may give. */
export const MAX_DISPUTE_REASON_CHARS = 1000;

// Plain `enum` rather than a union of literals, so a bad value names the allowed ones.
export const Status = Type.Unsafe<JobStatus>({ type: 'string', enum: [...JOB_STATUSES] });
export const JobKindName = Type.Unsafe<JobKind>({ type: 'string', enum: [...JOB_KINDS], description: 'text (a prompt continued), chat (messages, tools, output format) or embedding' });
export const JobId = Type.String({ description: 'job-…' });

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
    max_price: { ...Amount, description: 'Most the job may cost, escrowed in full at submit, e.g. "2.5"' },
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

export const CreatedJob = Type.Object({
  job_id: Type.String(),
  status: Status,
  model: Type.String(),
  max_price: Amount,
  created_at: Timestamp,
  deadline: Timestamp,
});

/** The most jobs one batch may carry: POST /v1/jobs/batch, and a miner's batch poll and completion. */
export const MAX_BATCH_JOBS = 100;

export const SubmitJobsItem = Type.Object(
  {
    ...SubmitJobBody.properties,
    idempotency_key: Type.Optional(
      Type.String({ minLength: 1, maxLength: 255, description: "This job's Idempotency-Key: a batch sent again answers each job that had one from its first answer, without a second escrow" }),
    ),
  },
  { additionalProperties: false },
);

export const SubmitJobsBody = Type.Object(
  { jobs: Type.Array(SubmitJobsItem, { minItems: 1, maxItems: MAX_BATCH_JOBS, description: `1–${MAX_BATCH_JOBS} jobs, each as POST /v1/jobs takes it` }) },
  { additionalProperties: false },
);

export const SubmittedJobs = Type.Object({
  results: Type.Array(Type.Union([Type.Object({ job: CreatedJob, replayed: Type.Boolean({ description: 'Answered from an earlier submit with the same idempotency_key' }) }), BatchItemError]), {
    description: 'One per job sent, in order: the created job, or the error it alone got',
  }),
});

export const JobView = Type.Object({
  job_id: Type.String(),
  status: Status,
  model: Type.String(),
  kind: { ...JobKindName, description: 'text (the native API, /v1/completions), chat (/v1/chat/completions, /v1/responses) or embedding' },
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
  accept_until: Nullable({ ...Timestamp, description: 'End of the acceptance window (null before completion): the job may be disputed until then' }),
  dispute: Nullable(Dispute),
});

export const DisputeBody = Type.Object({ reason: Type.String({ minLength: 1, maxLength: MAX_DISPUTE_REASON_CHARS }) }, { additionalProperties: false });

export const JobIdParams = Type.Object({ id: JobId });

export const ListJobsQuery = Type.Object(
  {
    status: Type.Optional(Status),
    ...PageQuery,
  },
  { additionalProperties: false },
);

export const JobList = PageOf(ClientJobView);

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

export type JobParams = Static<typeof JobParams>;
export type SubmitJobBody = Static<typeof SubmitJobBody>;
export type CreatedJob = Static<typeof CreatedJob>;
export type SubmitJobsItem = Static<typeof SubmitJobsItem>;
export type SubmitJobsBody = Static<typeof SubmitJobsBody>;
export type SubmittedJobs = Static<typeof SubmittedJobs>;
export type JobView = Static<typeof JobView>;
export type Verification = Static<typeof Verification>;
export type Dispute = Static<typeof Dispute>;
export type ClientJobView = Static<typeof ClientJobView>;
export type DisputeBody = Static<typeof DisputeBody>;
export type JobIdParams = Static<typeof JobIdParams>;
export type ListJobsQuery = Static<typeof ListJobsQuery>;
export type JobList = Static<typeof JobList>;
export type JobResult = Static<typeof JobResult>;

// The protocol's JobParams (what a receipt's params_hash binds) is this schema's shape.
true satisfies Same<JobParams, ProtocolJobParams>;
