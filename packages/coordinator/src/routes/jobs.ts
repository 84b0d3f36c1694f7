// Client routes: submit, list, read, result, cancel, dispute, receipt. A client sees only its account's jobs.

import type { Static } from 'typebox';
import type { App, Services } from '../app.ts';
import { principalOf } from '../http/auth.ts';
import { ApiError, formatAmount } from '@aitbc/protocol';
import { ClientJobView, CreatedJob, DisputeBody, JobIdParams, JobList, JobResult, ListJobsQuery, Receipt, SubmitJobBody, SubmitJobsBody, SubmittedJobs, errorResponses } from '@aitbc/protocol/wire';
import { errorBody } from '../http/errors.ts';
import { clientJobView } from '../http/views.ts';
import type { JobRecord } from '../store/store.ts';

/** How long a client should wait before asking again for a running job's result. */
const RESULT_RETRY_AFTER_S = 2;

export function registerJobRoutes(app: App, { jobs, disputes }: Services): void {
  const view = async (job: JobRecord) => clientJobView(job, await jobs.verification(job));

  app.post(
    '/v1/jobs',
    {
      config: { scope: 'client' },
      schema: {
        tags: ['client'],
        summary: 'Submit a job (Idempotency-Key makes retries safe for 24 h)',
        body: SubmitJobBody,
        response: {
          201: CreatedJob,
          ...errorResponses('VALIDATION_PROMPT_TOO_LONG', 'VALIDATION_INVALID_MODEL', 'MINER_NOT_FOUND', 'MINER_OFFLINE', 'MINER_CAPACITY_FULL', 'PAYMENT_INSUFFICIENT_BALANCE', 'RATE_QUOTA_EXCEEDED'),
        },
      },
    },
    async (request, reply) => {
      const idempotencyKey = request.headers['idempotency-key'];
      const result = await jobs.submit(principalOf(request), request.body, Array.isArray(idempotencyKey) ? idempotencyKey.join(',') : idempotencyKey);
      if (result.replayed) reply.header('Idempotent-Replayed', 'true');
      // A replay answers with the stored original, so it carries the original job and times. The
      // body was serialised once, from the view the 201 schema describes: sent as it is.
      // (Typed as the view: Fastify sends a string with a JSON content type untouched.)
      return reply.code(201).type('application/json; charset=utf-8').send(result.body as unknown as Static<typeof CreatedJob>);
    },
  );

  app.post(
    '/v1/jobs/batch',
    {
      // Rate limits and daily quotas count jobs: the batch is charged one request per job.
      config: { scope: 'client', rateCost: (request) => (request.body as SubmitJobsBody).jobs.length },
      schema: {
        tags: ['client'],
        summary: 'Submit 1–100 jobs in one transaction, each with its own idempotency_key and escrow; 200 with one result per job, in order (docs/API.md, Batches)',
        body: SubmitJobsBody,
        response: { 200: SubmittedJobs, ...errorResponses('RATE_LIMIT_EXCEEDED') },
      },
    },
    async (request) => {
      const outcomes = await jobs.submitMany(
        principalOf(request),
        request.body.jobs.map(({ idempotency_key, ...input }) => ({ input, idempotencyKey: idempotency_key })),
      );
      return {
        results: outcomes.map((outcome) => (outcome instanceof ApiError ? { error: errorBody(request, outcome, false) } : { job: JSON.parse(outcome.body), replayed: outcome.replayed })),
      };
    },
  );

  app.get(
    '/v1/jobs',
    { config: { scope: 'client' }, schema: { tags: ['client'], summary: "List the account's jobs, newest first", querystring: ListJobsQuery, response: { 200: JobList } } },
    async (request) => {
      const page = await jobs.list(principalOf(request), request.query);
      return { items: await Promise.all(page.items.map(view)), next_cursor: page.nextCursor };
    },
  );

  app.get(
    '/v1/jobs/:id',
    { config: { scope: 'client' }, schema: { tags: ['client'], summary: 'A job', params: JobIdParams, response: { 200: ClientJobView, ...errorResponses('JOB_NOT_FOUND') } } },
    async (request) => view(await jobs.get(principalOf(request), request.params.id)),
  );

  app.get(
    '/v1/jobs/:id/result',
    {
      config: { scope: 'client' },
      schema: {
        tags: ['client'],
        summary: 'Output, usage, price and receipt; 202 with the job view while it runs',
        params: JobIdParams,
        response: { 200: JobResult, 202: ClientJobView, ...errorResponses('JOB_NOT_FOUND', 'JOB_ALREADY_CANCELLED', 'JOB_EXPIRED', 'JOB_INVALID_STATUS') },
      },
    },
    async (request, reply) => {
      const { job, receipt } = await jobs.result(principalOf(request), request.params.id);
      if (!receipt) return reply.code(202).header('Retry-After', String(RESULT_RETRY_AFTER_S)).send(await view(job));
      return {
        job_id: job.jobId,
        status: 'completed' as const,
        output: job.output!,
        ...job.outputData,
        usage: { prompt_tokens: job.promptTokens!, completion_tokens: job.completionTokens! },
        price: formatAmount(job.priceMicro!),
        receipt: receipt.receipt,
      };
    },
  );

  app.post(
    '/v1/jobs/:id/cancel',
    {
      config: { scope: 'client' },
      schema: {
        tags: ['client'],
        summary: 'Cancel a queued or running job',
        params: JobIdParams,
        response: { 200: ClientJobView, ...errorResponses('JOB_NOT_FOUND', 'JOB_ALREADY_COMPLETED', 'JOB_ALREADY_CANCELLED', 'JOB_EXPIRED', 'JOB_INVALID_STATUS', 'VALIDATION_INVALID_FORMAT') },
      },
    },
    async (request) => view(await jobs.cancel(principalOf(request), request.params.id)),
  );

  app.post(
    '/v1/jobs/:id/dispute',
    {
      config: { scope: 'client' },
      schema: {
        tags: ['client'],
        summary: "Dispute a completed job inside its acceptance window: its miner's earnings stay held and the job is re-run at your cost; upheld, you get the price back",
        params: JobIdParams,
        body: DisputeBody,
        response: { 200: ClientJobView, ...errorResponses('JOB_NOT_FOUND', 'JOB_INVALID_STATUS', 'PAYMENT_INSUFFICIENT_BALANCE', 'MINER_OFFLINE') },
      },
    },
    async (request) => view(await disputes.dispute(principalOf(request), request.params.id, request.body.reason)),
  );

  app.get(
    '/v1/jobs/:id/receipt',
    {
      config: { scope: 'client' },
      schema: { tags: ['client'], summary: "The job's receipt", params: JobIdParams, response: { 200: Receipt, ...errorResponses('JOB_NOT_FOUND', 'RECEIPT_NOT_FOUND') } },
    },
    async (request) => (await jobs.receiptForJob(principalOf(request), request.params.id)).receipt,
  );
}
