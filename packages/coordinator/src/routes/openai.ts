// OpenAI-compatible routes: POST /v1/chat/completions and /v1/completions, answered whole or as
// server-sent events in OpenAI's chunk format. Each request is an ordinary AITBC job — escrowed,
// run by a miner, receipted, paid — so the job id and receipt id come back in headers
// (X-Job-Id, X-Receipt-Id) and in the `aitbc` extra of the answer.

import { ApiError, formatAmount, newId } from '@aitbc/protocol';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { App, Services } from '../app.ts';
import { principalOf } from '../http/auth.ts';
import { errorBody } from '../http/errors.ts';
import { EventStream } from '../http/event-stream.ts';
import { ChatCompletionBody, CompletionBody, errorResponses } from '../http/schemas.ts';
import { JobWaiter, type JobOutcome } from '../services/job-waiter.ts';
import { chunkObject, completionObject, finishReason, toSubmitInput, usageChunk, type CompletionKind, type OpenAiRequest } from '../services/openai-format.ts';
import type { Principal } from '../services/principal.ts';
import { safely, type ErrorLog } from '../services/safely.ts';
import { Type } from 'typebox';

/** After asking the miner to stop, how long it has to report the partial output before the job is cancelled. */
const STOP_GRACE_MS = 10_000;
/** At shutdown, how long a client gets to take the last event before its connection is cut. */
const SHUTDOWN_FLUSH_MS = 500;

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
            ...errorResponses('PAYMENT_INSUFFICIENT_BALANCE', 'VALIDATION_INVALID_MODEL', 'VALIDATION_OUT_OF_RANGE', 'VALIDATION_PROMPT_TOO_LONG', 'RATE_QUOTA_EXCEEDED', 'JOB_EXPIRED', 'JOB_ALREADY_CANCELLED', 'SYSTEM_UPSTREAM_ERROR'),
          },
        },
      },
      (request, reply) => complete(kind, request, reply, services),
    );
  }
}

async function complete(kind: CompletionKind, request: FastifyRequest, reply: FastifyReply, services: Services) {
  const { hub, config } = services;
  const principal = principalOf(request);
  const body = request.body as OpenAiRequest;
  const input = await services.jobs.boundTokensByPrice(toSubmitInput(kind, body, config.openAiMaxPrice));
  const live = body.stream === true;
  const jobId = newId('job');
  // Watch before submitting, so the miner that claims it already knows to stream.
  const waiter = new JobWaiter(services.store, hub, jobId, live, request.log);
  try {
    await services.jobs.submit(principal, input, undefined, jobId);
  } catch (error) {
    waiter.close();
    throw error;
  }
  reply.header('X-Job-Id', jobId);
  let answered = false;
  reply.raw.on(
    'close',
    safely(request.log, `abandoning job ${jobId}`, () => {
      if (!answered) return abandon(services, principal, jobId, waiter, request.log);
    }),
  );
  if (!live) {
    let outcome: JobOutcome;
    try {
      outcome = await waiter.outcome;
    } catch (error) {
      answered = true;
      await endOpenJob(services, principal, jobId, request.log);
      throw error;
    }
    answered = true;
    reply.header('X-Receipt-Id', outcome.receipt.receipt_id);
    return completionObject(kind, outcome.job, outcome.receipt.receipt_id, formatAmount(outcome.job.priceMicro!));
  }

  reply.hijack();
  // A client that stops reading pauses the miner's stream instead of filling this process's memory.
  let release: (() => void) | null = null;
  const stream = new EventStream(reply.raw, {
    stallMs: config.clientStallMs,
    keepAliveMs: config.sseKeepAliveMs,
    onBlocked: () => (release = hub.hold(jobId)),
    onDrained: () => {
      release?.();
      release = null;
    },
  });
  reply.raw.on('close', () => release?.());
  stream.begin(reply.getHeaders() as Record<string, string>);
  const head = { jobId, createdAt: config.now(), model: input.model };
  if (kind === 'chat') stream.send(chunkObject(kind, head, { role: true, text: '' }));
  waiter.pieces((text) => stream.send(chunkObject(kind, head, { text })));
  let outcome: JobOutcome;
  try {
    outcome = await waiter.outcome;
  } catch (error) {
    answered = true;
    // The client gets an error event it can read either way, then the stream ends; a job still
    // open (the wait failed here, or the coordinator is stopping) is cancelled and refunded.
    stream.send(errorBody(request, error instanceof ApiError ? error : new ApiError('SYSTEM_INTERNAL_ERROR', `Unexpected server error; report request id ${request.id}`)));
    stream.end(hub.stopping ? SHUTDOWN_FLUSH_MS : undefined);
    await endOpenJob(services, principal, jobId, request.log);
    return;
  }
  answered = true;
  const { job, receipt } = outcome;
  // A miner that did not stream: the whole output, at once. One that did completed with exactly
  // what was relayed (miners.complete refuses anything else), all of it already sent.
  const output = job.output ?? '';
  if (output.length > waiter.deliveredChars) stream.send(chunkObject(kind, head, { text: output.slice(waiter.deliveredChars) }));
  // Tool calls arrive whole with the completion: one delta carrying each call complete.
  if (job.outputData?.tool_calls?.length) stream.send(chunkObject(kind, head, { toolCalls: job.outputData.tool_calls }));
  stream.send({ ...chunkObject(kind, head, { finish: finishReason(job), ...(kind === 'text' ? { text: '' } : {}) }), aitbc: { job_id: jobId, receipt_id: receipt.receipt_id, price: formatAmount(job.priceMicro!) } });
  if (body.stream_options?.include_usage) stream.send(usageChunk(kind, job));
  stream.end();
}

/**
 * The client hung up before its answer: a queued job is cancelled (full refund); a running one's
 * miner is told to stop and reports what it produced, which is all the client pays for. A miner
 * that does not report within the grace period gets the job cancelled.
 */
async function abandon(services: Services, principal: Principal, jobId: string, waiter: JobWaiter, log: ErrorLog): Promise<void> {
  const job = await services.store.getJob(jobId);
  if (job?.status === 'running' && services.hub.stop(jobId, 'the client disconnected')) {
    // Cancelled before the watch ends, so no completion gets in unchecked against what was relayed.
    const giveUp = async () => {
      await cancelIfOpen(services, principal, jobId);
      waiter.close();
    };
    setTimeout(safely(log, `cancelling job ${jobId}`, giveUp, () => waiter.close()), STOP_GRACE_MS).unref();
    return;
  }
  await cancelIfOpen(services, principal, jobId);
  waiter.close();
}

/** The answer ended without the job's output (an error, or shutdown): the miner stops, the job is refunded. */
async function endOpenJob(services: Services, principal: Principal, jobId: string, log: ErrorLog): Promise<void> {
  services.hub.stop(jobId, 'the request ended without this output');
  try {
    await cancelIfOpen(services, principal, jobId);
  } catch (error) {
    log.error({ err: error, job_id: jobId }, 'cancelling a job whose request ended failed');
  }
}

async function cancelIfOpen(services: Services, principal: Principal, jobId: string): Promise<void> {
  try {
    await services.jobs.cancel(principal, jobId);
  } catch (error) {
    if (!(error instanceof ApiError)) throw error; // it ended meanwhile: nothing to cancel
  }
}
