// OpenAI-compatible routes: POST /v1/chat/completions, /v1/completions and /v1/responses,
// answered whole or as server-sent events in OpenAI's formats. Each request is an ordinary AITBC job — escrowed,
// run by a miner, receipted, paid — so the job id and receipt id come back in headers
// (X-Job-Id, X-Receipt-Id) and in the `aitbc` extra of the answer.

import { chatJob, embeddingJob, formatAmount, newId } from '@aitbc/protocol';
import type { App, Services } from '../app.ts';
import { principalOf } from '../http/auth.ts';
import { ChatCompletionBody, CompletionAnswer, CompletionBody, EmbeddingsAnswer, EmbeddingsBody, ResponseAnswer, ResponsesBody, errorResponses } from '@aitbc/protocol/wire';
import type { JobOutcome } from '../services/job-waiter.ts';
import { jobOutputOf } from '../services/job-kinds.ts';
import type { SubmitInput } from '../services/jobs.ts';
import { embeddingInput, embeddingList, type EmbeddingsRequest } from '../services/embeddings-format.ts';
import { chunkObject, completionObject, finishReason, toSubmitInput, usageChunk, type CompletionKind, type OpenAiRequest } from '../services/openai-format.ts';
import type { Principal } from '../services/principal.ts';
import { outputItems, ResponseEventEncoder, responseObject, type OutputItem, type ResponseHead, type Settlement } from '../services/responses-answer.ts';
import { itemJobId, referencedItemIds, toChatRequest } from '../services/responses-format.ts';
import { runJob, type Event, type Presenter } from './openai-job.ts';

const ROUTES: [CompletionKind, string, typeof ChatCompletionBody | typeof CompletionBody][] = [
  ['chat', '/v1/chat/completions', ChatCompletionBody],
  ['text', '/v1/completions', CompletionBody],
];

function completionPresenter(kind: CompletionKind, body: OpenAiRequest, head: { jobId: string; createdAt: number; model: string }): Presenter {
  return {
    whole: ({ job, receipt }) => completionObject(kind, job, receipt.receipt_id, formatAmount(job.priceMicro!)),
    stream: {
      begin: () => (kind === 'chat' ? [{ data: chunkObject(kind, head, { role: true, text: '' }) }] : []),
      piece: (text) => [{ data: chunkObject(kind, head, { text }) }],
      finish: ({ job, receipt }, delivered) => {
        const events: Event[] = [];
        // A miner that did not stream: the whole output, at once. One that did completed with
        // exactly what was relayed (miners.complete refuses anything else), all of it already sent.
        const output = job.output ?? '';
        if (output.length > delivered) events.push({ data: chunkObject(kind, head, { text: output.slice(delivered) }) });
        // Tool calls arrive whole with the completion: one delta carrying each call complete.
        if (job.outputData?.tool_calls?.length) events.push({ data: chunkObject(kind, head, { toolCalls: job.outputData.tool_calls }) });
        const last = chunkObject(kind, head, { finish: finishReason(job), ...(kind === 'text' ? { text: '' } : {}) });
        events.push({ data: { ...last, aitbc: { job_id: job.jobId, receipt_id: receipt.receipt_id, price: formatAmount(job.priceMicro!) } } });
        if (body.stream_options?.include_usage) events.push({ data: usageChunk(kind, job) });
        return events;
      },
      error: (data) => ({ data }),
      done: true,
    },
  };
}

function responsesPresenter(head: ResponseHead): Presenter {
  const encoder = new ResponseEventEncoder(head);
  const settlement = ({ job, receipt }: JobOutcome): Settlement => ({
    inputTokens: job.promptTokens ?? 0,
    outputTokens: job.completionTokens ?? 0,
    truncated: finishReason(job) === 'length',
    receiptId: receipt.receipt_id,
    price: formatAmount(job.priceMicro!),
  });
  return {
    whole: (outcome) => responseObject(head, jobOutputOf(outcome.job), settlement(outcome)),
    stream: {
      begin: () => encoder.start(),
      piece: (text) => encoder.text(text),
      finish: (outcome) => encoder.finish(jobOutputOf(outcome.job), settlement(outcome)),
      error: (body) => encoder.error(body),
      done: false,
    },
  };
}

export function registerOpenAiRoutes(app: App, services: Services): void {
  for (const [kind, url, body] of ROUTES) {
    app.post(
      url,
      {
        config: { scope: 'client', openai: true },
        schema: {
          tags: ['openai'],
          summary: `OpenAI-compatible ${kind === 'chat' ? 'chat completion (messages, tools, response_format)' : 'completion'}: one AITBC job; stream: true answers with server-sent events`,
          body,
          response: {
            200: CompletionAnswer,
            ...errorResponses('PAYMENT_INSUFFICIENT_BALANCE', 'VALIDATION_INVALID_MODEL', 'VALIDATION_OUT_OF_RANGE', 'VALIDATION_PROMPT_TOO_LONG', 'RATE_QUOTA_EXCEEDED', 'JOB_EXPIRED', 'JOB_ALREADY_CANCELLED', 'SYSTEM_UPSTREAM_ERROR'),
          },
        },
      },
      async (request, reply) => {
        const openAiBody = request.body as OpenAiRequest;
        const input = toSubmitInput(kind, openAiBody, services.config.openAiMaxPrice);
        const jobId = newId('job');
        const presenter = completionPresenter(kind, openAiBody, { jobId, createdAt: services.config.now(), model: input.model });
        return runJob(request, reply, services, { jobId, input, live: openAiBody.stream === true, presenter, boundTokensByPrice: true });
      },
    );
  }

  app.post(
    '/v1/responses',
    {
      config: { scope: 'client', openai: true },
      schema: {
        tags: ['openai'],
        summary: "OpenAI Responses API, the subset the AI SDK and LangChain use: input, instructions, function tools, text.format, streaming; nothing is stored (no previous_response_id)",
        body: ResponsesBody,
        response: {
          200: ResponseAnswer,
          ...errorResponses('PAYMENT_INSUFFICIENT_BALANCE', 'VALIDATION_INVALID_MODEL', 'VALIDATION_OUT_OF_RANGE', 'VALIDATION_INVALID_FORMAT', 'VALIDATION_PROMPT_TOO_LONG', 'RATE_QUOTA_EXCEEDED', 'JOB_EXPIRED', 'SYSTEM_UPSTREAM_ERROR'),
        },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const asked = toChatRequest(request.body, await referencedItems(services, principal, request.body));
      const input: SubmitInput = {
        model: asked.model,
        kind: 'chat',
        prompt: chatJob.encode(asked.input),
        params: asked.params,
        max_price: asked.max_price ?? services.config.openAiMaxPrice,
      };
      const jobId = newId('job');
      const presenter = responsesPresenter({ jobId, createdAt: services.config.now(), model: asked.model, echo: asked.echo });
      return runJob(request, reply, services, { jobId, input, live: asked.stream, presenter, boundTokensByPrice: true });
    },
  );

  app.post(
    '/v1/embeddings',
    {
      config: { scope: 'client', openai: true },
      schema: {
        tags: ['openai'],
        summary: 'OpenAI-compatible embeddings: one AITBC job of kind embedding, paid by its input tokens; encoding_format float or base64',
        body: EmbeddingsBody,
        response: {
          200: EmbeddingsAnswer,
          ...errorResponses('PAYMENT_INSUFFICIENT_BALANCE', 'VALIDATION_INVALID_MODEL', 'VALIDATION_OUT_OF_RANGE', 'VALIDATION_PROMPT_TOO_LONG', 'RATE_QUOTA_EXCEEDED', 'JOB_EXPIRED', 'SYSTEM_UPSTREAM_ERROR'),
        },
      },
    },
    async (request, reply) => {
      const body = request.body as EmbeddingsRequest;
      const input = { model: body.model, kind: 'embedding' as const, prompt: embeddingJob.encode(embeddingInput(body)), max_price: body.max_price ?? services.config.openAiMaxPrice };
      const presenter: Presenter = { whole: ({ job, receipt }) => embeddingList(job, body.encoding_format ?? 'float', receipt.receipt_id) };
      return runJob(request, reply, services, { jobId: newId('job'), input, presenter });
    },
  );
}

/**
 * The earlier answers a Responses request's `item_reference`s name (the AI SDK sends references
 * by default, assuming the answer was stored): rebuilt from the caller's own completed jobs. One
 * that is not the caller's, or not completed, is left out, and toChatRequest refuses it.
 */
async function referencedItems(services: Services, principal: Principal, body: unknown): Promise<Map<string, OutputItem>> {
  const items = new Map<string, OutputItem>();
  for (const itemId of referencedItemIds(body)) {
    const jobId = itemJobId(itemId);
    if (jobId === undefined) continue;
    const job = await services.jobs.get(principal, jobId).catch(() => null);
    if (job?.status !== 'completed') continue;
    for (const item of outputItems(jobId, jobOutputOf(job), finishReason(job) === 'length')) items.set(item.id, item);
  }
  return items;
}

