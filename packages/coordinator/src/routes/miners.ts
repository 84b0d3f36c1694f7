// Miner routes: register, heartbeat, long-poll, explicit claim, complete, fail. A miner key acts
// only for the miners it registered.

import { ApiError, formatAmount } from '@aitbc/protocol';
import type { App, Services } from '../app.ts';
import { principalOf } from '../http/auth.ts';
import { ClaimedJob, ClaimedJobs, CompleteBatchBody, CompleteBody, CompletedJobs, CompletedView, PollBatchBody, FailBody, HeartbeatBody, HeartbeatView, JobIdParams, JobView, MinerIdBody, MinerView, PollBody, RegisterMinerBody, errorResponses } from '@aitbc/protocol/wire';
import { claimView, iso, jobView, minerView } from '../http/views.ts';
import { errorBody } from '../http/errors.ts';
import { Type } from 'typebox';
import type { FastifyReply } from 'fastify';
import type { Claim } from '../services/miners.ts';

export function registerMinerRoutes(app: App, { miners, config, hub }: Services): void {
  /** A claim as its miner sees it: the job, its receipt template, and whether a client watches it live. */
  const viewOf = async (claim: Claim) => claimView(claim, config.chainId, await hub.isLive(claim.job));
  app.post(
    '/v1/miners/register',
    {
      config: { scope: 'miner' },
      schema: {
        tags: ['miner'],
        summary: 'Register a miner (201), or update one this key registered (200)',
        body: RegisterMinerBody,
        response: { 200: MinerView, 201: MinerView, ...errorResponses('MINER_ALREADY_REGISTERED') },
      },
    },
    async (request, reply) => {
      const { miner, created } = await miners.register(principalOf(request), request.body);
      return reply.code(created ? 201 : 200).send(minerView(miner, true));
    },
  );

  app.post(
    '/v1/miners/heartbeat',
    {
      config: { scope: 'miner' },
      schema: {
        tags: ['miner'],
        summary: 'Mark the miner alive, extend the leases of the jobs it runs and take back those it no longer runs',
        body: HeartbeatBody,
        response: { 200: HeartbeatView, ...errorResponses('MINER_NOT_FOUND') },
      },
    },
    async (request) => {
      const beat = await miners.heartbeat(principalOf(request), request.body.miner_id, request.body.jobs);
      return {
        miner_id: beat.minerId,
        status: 'online' as const,
        running_jobs: beat.runningJobIds,
        lapsed_jobs: beat.lapsedJobIds,
        lease_expires_at: beat.leaseExpiresAt === null ? null : iso(beat.leaseExpiresAt),
      };
    },
  );

  app.post(
    '/v1/miners/poll',
    {
      config: { scope: 'miner' },
      schema: {
        tags: ['miner'],
        summary: 'Long-poll: claim the next job, waiting up to wait_seconds (204 when none came)',
        body: PollBody,
        response: { 200: ClaimedJob, 204: Type.Null({ description: 'No job within wait_seconds' }), ...errorResponses('MINER_NOT_FOUND', 'MINER_CAPACITY_FULL', 'PAYMENT_INSUFFICIENT_BALANCE') },
      },
    },
    async (request, reply) => {
      const claim = await miners.poll(principalOf(request), request.body.miner_id, request.body.wait_seconds ?? 20, hungUp(reply));
      if (!claim) return reply.code(204).send(null);
      return viewOf(claim);
    },
  );

  app.post(
    '/v1/miners/poll/batch',
    {
      config: { scope: 'miner' },
      schema: {
        tags: ['miner'],
        summary: 'Long-poll: claim up to max_jobs jobs at once, waiting up to wait_seconds for the first (an empty list when none came)',
        body: PollBatchBody,
        response: { 200: ClaimedJobs, ...errorResponses('MINER_NOT_FOUND', 'MINER_CAPACITY_FULL', 'PAYMENT_INSUFFICIENT_BALANCE') },
      },
    },
    async (request, reply) => {
      const claims = await miners.pollMany(principalOf(request), request.body.miner_id, request.body.max_jobs, request.body.wait_seconds ?? 20, hungUp(reply));
      return { jobs: await Promise.all(claims.map(viewOf)) };
    },
  );

  app.post(
    '/v1/jobs/complete/batch',
    {
      // Counted like the batch submit: one request per completion.
      config: { scope: 'miner', rateCost: (request) => (request.body as CompleteBatchBody).completions.length },
      schema: {
        tags: ['miner'],
        summary: 'Complete 1–100 held jobs in one transaction, each with its miner-signed receipt; 200 with one result per completion, in order',
        body: CompleteBatchBody,
        response: { 200: CompletedJobs, ...errorResponses('MINER_NOT_FOUND', 'RATE_LIMIT_EXCEEDED') },
      },
    },
    async (request) => {
      const { miner_id: minerId, completions } = request.body;
      const outcomes = await miners.completeMany(principalOf(request), minerId, completions);
      return {
        results: outcomes.map((outcome, index) =>
          outcome instanceof ApiError
            ? { job_id: completions[index]!.job_id, error: errorBody(request, outcome, false) }
            : { job_id: outcome.job.jobId, status: outcome.job.status, price: formatAmount(outcome.job.priceMicro!), receipt: outcome.receipt },
        ),
      };
    },
  );

  app.post(
    '/v1/jobs/:id/claim',
    {
      config: { scope: 'miner' },
      schema: {
        tags: ['miner'],
        summary: 'Claim one specific queued job',
        params: JobIdParams,
        body: MinerIdBody,
        response: {
          200: ClaimedJob,
          ...errorResponses('MINER_NOT_FOUND', 'MINER_CAPACITY_FULL', 'PAYMENT_INSUFFICIENT_BALANCE', 'JOB_NOT_FOUND', 'JOB_ALREADY_CLAIMED', 'JOB_ALREADY_COMPLETED', 'JOB_ALREADY_CANCELLED', 'JOB_EXPIRED', 'JOB_INVALID_STATUS', 'VALIDATION_INVALID_MODEL'),
        },
      },
    },
    async (request) => {
      return viewOf(await miners.claim(principalOf(request), request.params.id, request.body.miner_id));
    },
  );

  app.post(
    '/v1/jobs/:id/complete',
    {
      config: { scope: 'miner' },
      schema: {
        tags: ['miner'],
        summary: 'Complete a held job with its output and the miner-signed receipt',
        params: JobIdParams,
        body: CompleteBody,
        response: {
          200: CompletedView,
          ...errorResponses('MINER_NOT_FOUND', 'JOB_NOT_FOUND', 'JOB_ALREADY_CLAIMED', 'JOB_ALREADY_COMPLETED', 'JOB_ALREADY_CANCELLED', 'JOB_EXPIRED', 'JOB_INVALID_STATUS', 'RECEIPT_INVALID_SIGNATURE'),
        },
      },
    },
    async (request) => {
      const { job, receipt } = await miners.complete(principalOf(request), request.params.id, request.body);
      return { job_id: job.jobId, status: job.status, price: formatAmount(job.priceMicro!), receipt };
    },
  );

  app.post(
    '/v1/jobs/:id/fail',
    {
      config: { scope: 'miner' },
      schema: {
        tags: ['miner'],
        summary: 'Report a failure; retryable failures go back to the queue while attempts remain',
        params: JobIdParams,
        body: FailBody,
        response: {
          200: JobView,
          ...errorResponses('MINER_NOT_FOUND', 'JOB_NOT_FOUND', 'JOB_ALREADY_CLAIMED', 'JOB_ALREADY_COMPLETED', 'JOB_ALREADY_CANCELLED', 'JOB_EXPIRED', 'JOB_INVALID_STATUS'),
        },
      },
    },
    async (request) => jobView(await miners.fail(principalOf(request), request.params.id, request.body)),
  );
}

/** Aborted when the client hangs up before its answer is sent: a long-poll stops waiting and never hands out a job. */
function hungUp(reply: FastifyReply): AbortSignal {
  const hangUp = new AbortController();
  reply.raw.on('close', () => {
    if (!reply.raw.writableFinished) hangUp.abort();
  });
  return hangUp.signal;
}
