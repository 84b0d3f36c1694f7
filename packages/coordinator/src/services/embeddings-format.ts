// OpenAI's embeddings wire format around an AITBC embedding job: the request's input (one string
// or a list) becomes the job's inputs, the vectors come back as floats or as base64 of
// little-endian float32 (what the `openai` package asks for by default, and decodes).

import { ApiError, formatAmount, type EmbeddingInput } from '@aitbc/protocol';
import type { JobRecord } from '../store/store.ts';

export interface EmbeddingsRequest {
  model: string;
  input: string | string[] | number[] | number[][];
  encoding_format?: 'float' | 'base64';
  dimensions?: number;
  user?: string;
  /** AITBC extension: the most this request may cost, in AITBC. */
  max_price?: string;
}

export function embeddingInput(request: EmbeddingsRequest): EmbeddingInput {
  const texts = typeof request.input === 'string' ? [request.input] : request.input;
  if (!texts.every((text): text is string => typeof text === 'string')) {
    throw new ApiError('VALIDATION_INVALID_TYPE', "Field 'input' must be a string or a list of strings: token arrays are not accepted, as each miner's model has its own tokenizer", { field: 'input' });
  }
  const empty = texts.findIndex((text) => text === '');
  if (empty >= 0) throw new ApiError('VALIDATION_OUT_OF_RANGE', `Field 'input[${empty}]' is empty; every input needs some text`, { field: 'input' });
  return { input: texts, ...(request.dimensions !== undefined ? { dimensions: request.dimensions } : {}) };
}

const base64Floats = (vector: number[]): string => Buffer.from(new Float32Array(vector).buffer).toString('base64');

/** The answer: one embedding object per input, usage in input tokens, and the AITBC extra. */
export function embeddingList(job: JobRecord, encoding: 'float' | 'base64', receiptId: string) {
  const vectors = job.outputData?.embeddings ?? [];
  const promptTokens = job.promptTokens ?? 0;
  return {
    object: 'list' as const,
    data: vectors.map((vector, index) => ({ object: 'embedding' as const, index, embedding: encoding === 'base64' ? base64Floats(vector) : vector })),
    model: job.model,
    usage: { prompt_tokens: promptTokens, total_tokens: promptTokens },
    aitbc: { job_id: job.jobId, receipt_id: receiptId, price: formatAmount(job.priceMicro!) },
  };
}
