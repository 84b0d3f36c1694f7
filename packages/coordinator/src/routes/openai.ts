// OpenAI-compatible routes: POST /v1/chat/completions and /v1/completions, answered whole or as
// server-sent events in OpenAI's chunk format. Each request is an ordinary AITBC job — escrowed,
// run by a miner, receipted, paid — so the job id and receipt id come back in headers
// (X-Job-Id, X-Receipt-Id) and in the `aitbc` extra of the answer.

import { ApiError, formatAmount, newId } from '@aitbc/protocol';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { App, Services } from '../app.ts';
import { principalOf } from '../http/auth.ts';
import { errorBody } from '../http/errors.ts';
import { ChatCompletionBody, CompletionBody, errorResponses } from '../http/schemas.ts';
import { JobWaiter, type JobOutcome } from '../services/job-waiter.ts';
import { chunkObject, completionObject, finishReason, toSubmitInput, usageChunk, type CompletionKind, type OpenAiRequest } from '../services/openai-format.ts';
import type { Principal } from '../services/principal.ts';
import { Type } from 'typebox';

/** After asking the miner to stop, how long it has to report the partial output before the job is cancelled. */
const STOP_GRACE_MS = 10_000;

const ROUTES: [CompletionKind, string, typeof ChatCompletionBody | typeof CompletionBody][] = [
  ['chat', '/v1/chat/completions', ChatCompletionBody],
  ['text', '/v1/completions', CompletionBody],
];

export function registerOpenAiRoutes(app: App, services: Services): void {
  for (const [kind, url, body] of ROUTES) {
    app.post(
      url,
      {
        config: { scope: 'client', openai: true },
        schema: {
          tags: ['openai'],
          summary: `OpenAI-compatible ${kind === 'chat' ? 'chat completion' : 'completion'}: one AITBC job; stream: true answers with server-sent events`,
          body,
          response: {
            200: Type.Object({}, { additionalProperties: true, description: "OpenAI's answer object (or an event stream), with an `aitbc` extra: job_id, receipt_id, price" }),
            ...errorResponses('PAYMENT_INSUFFICIENT_BALANCE', 'VALIDATION_INVALID_MODEL', 'VALIDATION_PROMPT_TOO_LONG', 'RATE_QUOTA_EXCEEDED', 'JOB_EXPIRED', 'JOB_ALREADY_CANCELLED', 'SYSTEM_UPSTREAM_ERROR'),
          },
        },
      },
      (request, reply) => complete(kind, request, reply, services),
    );
  }
}

async function complete(kind: CompletionKind, request: FastifyRequest, reply: FastifyReply, services: Services) {
  const principal = principalOf(request);
  const body = request.body as OpenAiRequest;
  const input = toSubmitInput(kind, body, services.config.openAiMaxPrice);
  const live = body.stream === true;
  const jobId = newId('job');
  // Watch before submitting, so the miner that claims it already knows to stream.
  const waiter = new JobWaiter(services.store, services.hub, jobId, live);
  try {
    await services.jobs.submit(principal, input, undefined, jobId);
  } catch (error) {
    waiter.close();
    throw error;
  }
  reply.header('X-Job-Id', jobId);
  let answered = false;
  reply.raw.on('close', () => {
    if (!answered) void abandon(services, principal, jobId, waiter);
  });
  if (!live) {
    const { job, receipt } = await waiter.outcome;
    answered = true;
    reply.header('X-Receipt-Id', receipt.receipt_id);
    return completionObject(kind, job, receipt.receipt_id, formatAmount(job.priceMicro!));
  }

  reply.hijack();
  const out = reply.raw;
  out.writeHead(200, { ...(reply.getHeaders() as Record<string, string>), 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-cache', Connection: 'keep-alive', 'X-Accel-Buffering': 'no' });
  const send = (data: unknown) => out.write(`data: ${JSON.stringify(data)}\n\n`);
  const head = { jobId, createdAt: services.config.now(), model: input.model };
  if (kind === 'chat') send(chunkObject(kind, head, { role: true, text: '' }));
  waiter.pieces((text) => send(chunkObject(kind, head, { text })));
  let outcome: JobOutcome;
  try {
    outcome = await waiter.outcome;
  } catch (error) {
    answered = true;
    // The client gets an error event it can read either way, then the stream ends.
    send(errorBody(request, error instanceof ApiError ? error : new ApiError('SYSTEM_INTERNAL_ERROR', `Unexpected server error; report request id ${request.id}`)));
    out.end('data: [DONE]\n\n');
    return;
  }
  answered = true;
  const { job, receipt } = outcome;
  // A miner that did not stream (or pieces lost on the way): the rest of the output, at once.
  const output = job.output ?? '';
  if (output.length > waiter.relayedText.length && output.startsWith(waiter.relayedText)) send(chunkObject(kind, head, { text: output.slice(waiter.relayedText.length) }));
  send({ ...chunkObject(kind, head, { finish: finishReason(job), ...(kind === 'text' ? { text: '' } : {}) }), aitbc: { job_id: jobId, receipt_id: receipt.receipt_id, price: formatAmount(job.priceMicro!) } });
  if (body.stream_options?.include_usage) send(usageChunk(kind, job));
  out.end('data: [DONE]\n\n');
}

/**
 * The client hung up before its answer: a queued job is cancelled (full refund); a running one's
 * miner is told to stop and reports what it produced, which is all the client pays for. A miner
 * that does not report within the grace period gets the job cancelled.
 */
async function abandon(services: Services, principal: Principal, jobId: string, waiter: JobWaiter): Promise<void> {
  const job = await services.store.getJob(jobId);
  if (job?.status === 'running' && services.hub.stop(jobId, 'the client disconnected')) {
    setTimeout(() => {
      waiter.close();
      void cancelIfOpen(services, principal, jobId);
    }, STOP_GRACE_MS).unref();
    return;
  }
  waiter.close();
  await cancelIfOpen(services, principal, jobId);
}

async function cancelIfOpen(services: Services, principal: Principal, jobId: string): Promise<void> {
  try {
    await services.jobs.cancel(principal, jobId);
  } catch (error) {
    if (!(error instanceof ApiError)) throw error; // it ended meanwhile: nothing to cancel
  }
}
