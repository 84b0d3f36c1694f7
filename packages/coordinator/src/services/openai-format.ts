// The OpenAI wire format around an ordinary AITBC job: requests become a job (a chat turn keeps
// its messages, tools and output format; a completion its prompt) and job params,
// a completed job becomes a chat.completion / text_completion object or its stream of chunks,
// and errors keep the seed envelope with OpenAI's `error` object beside it.

import { ApiError, chatJob, type ChatInput, type ChatMessage, type ErrorEnvelope, type ResponseFormat, type ToolCall, type ToolChoice, type ToolDefinition } from '@aitbc/protocol';
import type { JobRecord } from '../store/store.ts';
import type { SubmitInput } from './jobs.ts';

export type CompletionKind = 'chat' | 'text';

/** The fields we honour; other fields OpenAI clients send (penalties, logit_bias, …) are ignored. */
export interface OpenAiRequest {
  model: string;
  messages?: ChatMessage[];
  prompt?: string | string[];
  tools?: ToolDefinition[];
  tool_choice?: ToolChoice;
  response_format?: ResponseFormat;
  logprobs?: boolean | null;
  top_logprobs?: number | null;
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

export function toSubmitInput(kind: CompletionKind, request: OpenAiRequest, defaultMaxPrice: string): SubmitInput {
  if (request.n !== undefined && request.n !== 1) throw new ApiError('VALIDATION_OUT_OF_RANGE', "Field 'n' must be 1: each request is one AITBC job with one completion", { field: 'n' });
  if (request.logprobs === true || (request.top_logprobs ?? 0) > 0) {
    const field = request.logprobs === true ? 'logprobs' : 'top_logprobs';
    throw new ApiError('VALIDATION_OUT_OF_RANGE', `Field '${field}' is not supported: receipts do not bind log probabilities, so no miner is asked for them; leave it out`, { field });
  }
  const maxTokens = request.max_completion_tokens ?? request.max_tokens;
  const stop = request.stop === null || request.stop === undefined ? undefined : [request.stop].flat();
  const params = Object.fromEntries(
    Object.entries({ max_tokens: maxTokens, temperature: request.temperature, top_p: request.top_p, seed: request.seed, stop }).filter(([, value]) => value !== undefined),
  );
  const common = { model: request.model, params, max_price: request.max_price ?? defaultMaxPrice };
  if (kind === 'chat') return { ...common, kind: 'chat', prompt: chatJob.encode(chatInput(request)) };
  if (Array.isArray(request.prompt) && request.prompt.length !== 1) throw new ApiError('VALIDATION_OUT_OF_RANGE', "Field 'prompt' takes one prompt per request", { field: 'prompt' });
  const prompt = [request.prompt ?? ''].flat()[0]!;
  if (prompt.trim() === '') throw new ApiError('VALIDATION_MISSING_FIELD', "Field 'prompt' is required", { field: 'prompt' });
  return { ...common, kind: 'text', prompt };
}

/** The chat request as the miner gets it: messages with only the fields a model server reads, tools and format when they ask for something. */
export function chatInput(request: Pick<OpenAiRequest, 'messages' | 'tools' | 'tool_choice' | 'response_format'>): ChatInput {
  if (!request.messages || request.messages.length === 0) throw new ApiError('VALIDATION_MISSING_FIELD', "Field 'messages' is required and may not be empty", { field: 'messages' });
  const messages = request.messages.map(checkedMessage);
  const tools = request.tools ?? [];
  const choice = request.tool_choice;
  if (choice !== undefined && choice !== 'none' && choice !== 'auto' && tools.length === 0) {
    throw new ApiError('VALIDATION_MISSING_FIELD', "Field 'tool_choice' asks for a tool call but 'tools' is empty; add the tools or drop tool_choice", { field: 'tools' });
  }
  if (typeof choice === 'object' && !tools.some((tool) => tool.function.name === choice.function.name)) {
    throw new ApiError('VALIDATION_INVALID_FORMAT', `Field 'tool_choice' names '${choice.function.name}', which is not one of 'tools'`, { field: 'tool_choice' });
  }
  const format = request.response_format;
  return {
    messages,
    ...(tools.length > 0 ? { tools } : {}),
    ...(tools.length > 0 && choice !== undefined ? { tool_choice: choice } : {}),
    ...(format && format.type !== 'text' ? { response_format: format } : {}),
  };
}

function checkedMessage(message: ChatMessage, index: number): ChatMessage {
  const field = `messages[${index}]`;
  if (message.role === 'tool' && !message.tool_call_id) throw new ApiError('VALIDATION_MISSING_FIELD', `Field '${field}.tool_call_id' is required on a tool message: the call it answers`, { field: `${field}.tool_call_id` });
  const content = message.content ?? null;
  if (content === null && !(message.role === 'assistant' && message.tool_calls?.length)) {
    throw new ApiError('VALIDATION_MISSING_FIELD', `Field '${field}.content' is required (only an assistant turn with tool_calls may leave it out)`, { field: `${field}.content` });
  }
  return {
    role: message.role,
    content,
    ...(message.name !== undefined ? { name: message.name } : {}),
    ...(message.role === 'assistant' && message.tool_calls?.length ? { tool_calls: message.tool_calls.map(({ id, type, function: fn }) => ({ id, type, function: { name: fn.name, arguments: fn.arguments } })) } : {}),
    ...(message.role === 'tool' ? { tool_call_id: message.tool_call_id! } : {}),
  };
}

const created = (job: Pick<JobRecord, 'createdAt'>) => Math.floor(job.createdAt / 1000);
const responseId = (kind: CompletionKind, jobId: string) => `${kind === 'chat' ? 'chatcmpl' : 'cmpl'}-${jobId}`;

export type FinishReason = 'stop' | 'length' | 'tool_calls';

export function finishReason(job: JobRecord): FinishReason {
  if (job.outputData?.tool_calls?.length) return 'tool_calls';
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
  const toolCalls = job.outputData?.tool_calls;
  const message = toolCalls?.length ? { role: 'assistant', content: output === '' ? null : output, tool_calls: toolCalls } : { role: 'assistant', content: output };
  const choice =
    kind === 'chat'
      ? { index: 0, message, finish_reason: finishReason(job), logprobs: null }
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
export function chunkObject(kind: CompletionKind, job: Pick<JobRecord, 'jobId' | 'createdAt' | 'model'>, piece: { text?: string; role?: boolean; toolCalls?: ToolCall[]; finish?: FinishReason }) {
  const toolCalls = piece.toolCalls?.map((call, index) => ({ index, ...call }));
  const delta =
    kind === 'chat' ? { ...(piece.role ? { role: 'assistant' } : {}), ...(piece.text !== undefined ? { content: piece.text } : {}), ...(toolCalls ? { tool_calls: toolCalls } : {}) } : undefined;
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
