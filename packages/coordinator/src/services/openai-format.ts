// The OpenAI wire format around an ordinary AITBC job: requests become a prompt and job params,
// a completed job becomes a chat.completion / text_completion object or its stream of chunks,
// and errors keep the seed envelope with OpenAI's `error` object beside it.

import { ApiError, type ErrorEnvelope } from '@aitbc/protocol';
import type { JobRecord } from '../store/store.ts';
import type { SubmitInput } from './jobs.ts';

export type CompletionKind = 'chat' | 'text';

type ContentPart = { type: string; text?: string };
export interface ChatMessage {
  role: string;
  content: string | ContentPart[] | null;
}

/** The fields we honour; other fields OpenAI clients send (penalties, logit_bias, …) are ignored. */
export interface OpenAiRequest {
  model: string;
  messages?: ChatMessage[];
  prompt?: string | string[];
  max_tokens?: number;
  max_completion_tokens?: number;
  temperature?: number;
  top_p?: number;
  seed?: number;
  stop?: string | string[] | null;
  n?: number;
  stream?: boolean;
  stream_options?: { include_usage?: boolean } | null;
  user?: string;
  /** AITBC extension: the most this request may cost, in AITBC. */
  max_price?: string;
}

const messageText = (message: ChatMessage): string =>
  typeof message.content === 'string' ? message.content : (message.content ?? []).map((part) => (part.type === 'text' ? (part.text ?? '') : '')).join('');

/**
 * A job takes one prompt. A lone user message is the prompt itself; a conversation is written
 * out as "Role: text" paragraphs ending with "Assistant:", which chat-tuned models continue.
 */
export function chatPrompt(messages: ChatMessage[]): string {
  if (messages.length === 1 && messages[0]!.role === 'user') return messageText(messages[0]!);
  const turns = messages.map((message) => `${message.role.charAt(0).toUpperCase()}${message.role.slice(1)}: ${messageText(message)}`);
  return `${turns.join('\n\n')}\n\nAssistant:`;
}

export function toSubmitInput(kind: CompletionKind, request: OpenAiRequest, defaultMaxPrice: string): SubmitInput {
  if (request.n !== undefined && request.n !== 1) throw new ApiError('VALIDATION_OUT_OF_RANGE', "Field 'n' must be 1: each request is one AITBC job with one completion", { field: 'n' });
  let prompt: string;
  if (kind === 'chat') {
    if (!request.messages || request.messages.length === 0) throw new ApiError('VALIDATION_MISSING_FIELD', "Field 'messages' is required and may not be empty", { field: 'messages' });
    prompt = chatPrompt(request.messages);
  } else {
    if (Array.isArray(request.prompt) && request.prompt.length !== 1) throw new ApiError('VALIDATION_OUT_OF_RANGE', "Field 'prompt' takes one prompt per request", { field: 'prompt' });
    prompt = [request.prompt ?? ''].flat()[0]!;
  }
  if (prompt.trim() === '') throw new ApiError('VALIDATION_MISSING_FIELD', kind === 'chat' ? "Field 'messages' has no text" : "Field 'prompt' is required", { field: kind === 'chat' ? 'messages' : 'prompt' });
  const maxTokens = request.max_completion_tokens ?? request.max_tokens;
  const stop = request.stop === null || request.stop === undefined ? undefined : [request.stop].flat();
  const params = Object.fromEntries(
    Object.entries({ max_tokens: maxTokens, temperature: request.temperature, top_p: request.top_p, seed: request.seed, stop }).filter(([, value]) => value !== undefined),
  );
  return { model: request.model, prompt, params, max_price: request.max_price ?? defaultMaxPrice };
}

const created = (job: Pick<JobRecord, 'createdAt'>) => Math.floor(job.createdAt / 1000);
const responseId = (kind: CompletionKind, jobId: string) => `${kind === 'chat' ? 'chatcmpl' : 'cmpl'}-${jobId}`;

export function finishReason(job: JobRecord): 'stop' | 'length' {
  const limit = job.params.max_tokens;
  return limit !== undefined && (job.completionTokens ?? 0) >= limit ? 'length' : 'stop';
}

export function usageOf(job: JobRecord) {
  const prompt = job.promptTokens ?? 0;
  const completion = job.completionTokens ?? 0;
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
}

/** The non-streamed answer, with AITBC extras (job, receipt, price) beside OpenAI's fields. */
export function completionObject(kind: CompletionKind, job: JobRecord, receiptId: string, price: string) {
  const output = job.output ?? '';
  const choice =
    kind === 'chat'
      ? { index: 0, message: { role: 'assistant', content: output }, finish_reason: finishReason(job), logprobs: null }
      : { index: 0, text: output, finish_reason: finishReason(job), logprobs: null };
  return {
    id: responseId(kind, job.jobId),
    object: kind === 'chat' ? 'chat.completion' : 'text_completion',
    created: created(job),
    model: job.model,
    choices: [choice],
    usage: usageOf(job),
    aitbc: { job_id: job.jobId, receipt_id: receiptId, price },
  };
}

/** One streamed chunk; `text` null with a finish reason closes the choice. */
export function chunkObject(kind: CompletionKind, job: Pick<JobRecord, 'jobId' | 'createdAt' | 'model'>, piece: { text?: string; role?: boolean; finish?: 'stop' | 'length' }) {
  const delta = kind === 'chat' ? { ...(piece.role ? { role: 'assistant' } : {}), ...(piece.text !== undefined ? { content: piece.text } : {}) } : undefined;
  const choice = kind === 'chat' ? { index: 0, delta, finish_reason: piece.finish ?? null, logprobs: null } : { index: 0, text: piece.text ?? '', finish_reason: piece.finish ?? null, logprobs: null };
  return { id: responseId(kind, job.jobId), object: kind === 'chat' ? 'chat.completion.chunk' : 'text_completion', created: created(job), model: job.model, choices: [choice] };
}

/** The last chunk when stream_options.include_usage is set: no choices, the usage. */
export function usageChunk(kind: CompletionKind, job: JobRecord) {
  return { id: responseId(kind, job.jobId), object: kind === 'chat' ? 'chat.completion.chunk' : 'text_completion', created: created(job), model: job.model, choices: [], usage: usageOf(job) };
}

const OPENAI_TYPES: [number, string][] = [
  [401, 'authentication_error'],
  [402, 'insufficient_quota'],
  [403, 'permission_error'],
  [404, 'not_found_error'],
  [409, 'conflict_error'],
  [410, 'invalid_request_error'],
  [429, 'rate_limit_error'],
];

/** Seed codes OpenAI clients know by another name (LangChain, the AI SDK look for `model_not_found`). */
const OPENAI_CODES: Partial<Record<string, string>> = { VALIDATION_INVALID_MODEL: 'model_not_found' };

/** The seed envelope plus OpenAI's error object, so both kinds of client read it. */
export function withOpenAiError(envelope: ErrorEnvelope, status: number) {
  const type = OPENAI_TYPES.find(([code]) => code === status)?.[1] ?? (status >= 500 ? 'api_error' : 'invalid_request_error');
  const code = OPENAI_CODES[envelope.error_code] ?? envelope.error_code;
  return { ...envelope, error: { message: envelope.detail, type, code, param: envelope.field ?? null } };
}
