// One OpenAI request as one AITBC job: submitted, waited for, answered whole or streamed in the
// endpoint's format (a Presenter); a client that hangs up gets its job cancelled or stopped.

import { ApiError } from '@aitbc/protocol';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Services } from '../app.ts';
import { principalOf } from '../http/auth.ts';
import { EventStream } from '../http/event-stream.ts';
import { JobWaiter, type JobOutcome } from '../services/job-waiter.ts';
import type { SubmitInput } from '../services/jobs.ts';
import { withOpenAiError } from '../services/openai-format.ts';
import type { Principal } from '../services/principal.ts';
import { safely, type ErrorLog } from '../services/safely.ts';

/** After asking the miner to stop, how long it has to report the partial output before the job is cancelled. */
const STOP_GRACE_MS = 10_000;
/** At shutdown, how long a client gets to take the last event before its connection is cut. */
const SHUTDOWN_FLUSH_MS = 500;

/** How one OpenAI endpoint shows a job: its whole answer, and (for an endpoint that streams) its events. */
export interface Presenter {
  whole(outcome: JobOutcome): unknown;
  stream?: StreamPresenter;
}

export interface StreamPresenter {
  /** Events before any text (a chat stream's role delta, a Response's created/in_progress). */
  begin(): Event[];
  piece(text: string): Event[];
  /** The events after the miner's last streamed piece: the rest of the text, tool calls, the end. */
  finish(outcome: JobOutcome, deliveredChars: number): Event[];
  error(body: ReturnType<typeof withOpenAiError>): Event;
  /** Chat completion streams end with `data: [DONE]`; Responses streams do not. */
  readonly done: boolean;
}

export type Event = { data: unknown; event?: string };

/** One OpenAI request as one AITBC job: submitted, waited for, answered whole or streamed. */
export async function runJob(
  request: FastifyRequest,
  reply: FastifyReply,
  services: Services,
  run: { jobId: string; input: SubmitInput; presenter: Presenter; live?: boolean; boundTokensByPrice?: boolean },
) {
  const { hub, config } = services;
  const { jobId, input, presenter, boundTokensByPrice = false } = run;
  const streamed = run.live ? presenter.stream : undefined;
  const live = streamed !== undefined;
  const principal = principalOf(request);
  // Watch before submitting, so the miner that claims it already knows to stream.
  const waiter = await JobWaiter.open(services.jobs, hub, jobId, live, request.log);
  try {
    await services.jobs.submit(principal, input, undefined, jobId, { boundTokensByPrice, live });
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
    return presenter.whole(outcome);
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
  const send = (events: Event[]) => {
    for (const { data, event } of events) stream.send(data, event);
  };
  // Time to first token: the first text the client gets, streamed or (from a miner that does
  // not stream) in the final events.
  let firstTextSent = false;
  const sendText = (events: Event[]) => {
    if (!firstTextSent) {
      firstTextSent = true;
      services.metrics.firstToken(request.routeOptions.url ?? 'unmatched', reply.elapsedTime / 1000);
    }
    send(events);
  };
  stream.begin(reply.getHeaders() as Record<string, string>);
  send(streamed.begin());
  waiter.pieces((text) => sendText(streamed.piece(text)));
  let outcome: JobOutcome;
  try {
    outcome = await waiter.outcome;
  } catch (error) {
    answered = true;
    // The client gets an error event it can read either way, then the stream ends; a job still
    // open (the wait failed here, or the coordinator is stopping) is cancelled and refunded.
    const failure = error instanceof ApiError ? error : new ApiError('SYSTEM_INTERNAL_ERROR', `Unexpected server error; report request id ${request.id}`);
    send([streamed.error(withOpenAiError(failure.toEnvelope(request.id), failure.status))]);
    // Cancelled before the response ends: the request stays in flight until the refund is
    // written, so a stopping coordinator waits for it (on PostgreSQL it is not instant).
    await endOpenJob(services, principal, jobId, request.log);
    stream.end(hub.stopping ? SHUTDOWN_FLUSH_MS : undefined, streamed.done);
    return;
  }
  answered = true;
  sendText(streamed.finish(outcome, waiter.deliveredChars));
  stream.end(undefined, streamed.done);
}

/**
 * The client hung up before its answer: a queued job is cancelled (full refund); a running one's
 * miner is told to stop and reports what it produced, which is all the client pays for. A miner
 * that does not report within the grace period gets the job cancelled.
 */
async function abandon(services: Services, principal: Principal, jobId: string, waiter: JobWaiter, log: ErrorLog): Promise<void> {
  const job = await services.jobs.lookup(jobId);
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
