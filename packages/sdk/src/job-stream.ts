// A job whose output is read as the miner produces it: POST /v1/completions (a prompt) or
// /v1/chat/completions (messages) with `stream: true` (the coordinator relays the miner's stream
// as server-sent events), turned into events a caller can print as they come: the job id, each
// piece of text, then the outcome.

import { ERROR_CATALOGUE, isErrorCode } from '@aitbc/protocol';
import { errorFromResponse, NetworkError } from './errors.ts';
import { readLines } from './lines.ts';
import { readSseData } from './sse.ts';
import type { JobParams } from './types.ts';

/** What to run: a text prompt, the most it may cost (escrowed at submit) and generation parameters. */
export interface StreamJobParameters {
  model: string;
  prompt: string;
  /** AITBC; the coordinator's default for OpenAI requests when absent. */
  max_price?: string;
  params?: Pick<JobParams, 'max_tokens' | 'temperature' | 'top_p' | 'seed' | 'stop'>;
}

export type JobStreamEvent =
  /** Submitted and escrowed: from here the job exists (cancel it, fetch it) whatever happens to the stream. */
  | { type: 'submitted'; job_id: string }
  | { type: 'text'; text: string }
  /** Completed: the output is all sent; fetch the receipt with jobs.result(job_id). */
  | { type: 'done'; job_id: string; receipt_id: string; price: string; finish_reason: string | null; usage: { prompt_tokens: number; completion_tokens: number } | null };

/** The body of POST /v1/completions for the job, asking for the stream and its usage. */
export function completionRequest(parameters: StreamJobParameters): Record<string, unknown> {
  return {
    model: parameters.model,
    prompt: parameters.prompt,
    ...(parameters.max_price !== undefined ? { max_price: parameters.max_price } : {}),
    ...parameters.params,
    stream: true,
    stream_options: { include_usage: true },
  };
}

interface Chunk {
  /** A completion chunk carries `text`; a chat completion chunk `delta.content`. */
  choices?: { text?: string; delta?: { content?: string | null }; finish_reason?: string | null }[];
  usage?: { prompt_tokens: number; completion_tokens: number };
  aitbc?: { job_id: string; receipt_id: string; price: string };
  error_code?: string;
}

/** The events of one streamed answer; throws the job's error (an error event) as the SDK's error class. */
export async function* jobStreamEvents(response: Response): AsyncGenerator<JobStreamEvent> {
  const jobId = response.headers.get('x-job-id');
  if (jobId) yield { type: 'submitted', job_id: jobId };
  let finish: string | null = null;
  let outcome: Chunk['aitbc'] | undefined;
  let usage: Chunk['usage'] | null = null;
  if (!response.body) throw new NetworkError({ errorCode: 'NETWORK_ERROR', detail: 'The stream answer had no body', status: 0 });
  for await (const data of readSseData(readLines(response.body))) {
    if (data === '[DONE]') break;
    const chunk = JSON.parse(data) as Chunk;
    if (chunk.error_code) {
      const status = isErrorCode(chunk.error_code) ? ERROR_CATALOGUE[chunk.error_code].status : 500;
      throw errorFromResponse(status, chunk, response.headers.get('x-request-id'));
    }
    const choice = chunk.choices?.[0];
    const text = choice?.text ?? choice?.delta?.content;
    if (text) yield { type: 'text', text };
    if (choice?.finish_reason) finish = choice.finish_reason;
    if (chunk.aitbc) outcome = chunk.aitbc;
    if (chunk.usage) usage = { prompt_tokens: chunk.usage.prompt_tokens, completion_tokens: chunk.usage.completion_tokens };
  }
  if (!outcome) throw new NetworkError({ errorCode: 'NETWORK_ERROR', detail: `The stream of job ${jobId ?? '(unknown)'} ended before the job did; see it with jobs.get()`, status: 0 });
  yield { type: 'done', job_id: outcome.job_id, receipt_id: outcome.receipt_id, price: outcome.price, finish_reason: finish, usage };
}
