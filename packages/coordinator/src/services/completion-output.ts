// What a miner's completion may carry besides text, checked against the job it completes: tool
// calls only on a chat turn that offered tools, vectors exactly on an embedding job (one per
// input, all of one length, finite numbers).

import { ApiError, jobType, type EmbeddingInput, type ToolCall } from '@aitbc/protocol';
import type { JobOutputData, JobRecord } from '../store/store.ts';

/** The longest vector accepted (the largest common embedding models have 4,096 dimensions). */
export const MAX_EMBEDDING_DIMENSIONS = 8192;

export interface OutputExtras {
  tool_calls?: ToolCall[] | undefined;
  embeddings?: number[][] | undefined;
}

/** The job's output data from the completion (null for plain text), or VALIDATION_* naming the field. */
export function checkedOutputData(job: JobRecord, output: string, extras: OutputExtras): JobOutputData | null {
  if (job.kind === 'embedding') {
    if (output !== '') throw invalid('output', `must be "" for an embedding job (its vectors go in 'embeddings')`);
    if (extras.tool_calls !== undefined) throw invalid('tool_calls', 'is only for chat jobs');
    return { embeddings: checkedVectors(job, extras.embeddings) };
  }
  if (extras.embeddings !== undefined) throw invalid('embeddings', `is only for embedding jobs; job ${job.jobId} is a ${job.kind} job`);
  if (extras.tool_calls === undefined || extras.tool_calls.length === 0) return null;
  if (job.kind !== 'chat') throw invalid('tool_calls', `is only for chat jobs; job ${job.jobId} is a ${job.kind} job`);
  const offered = new Set((jobType('chat').decode(job.prompt).tools ?? []).map((tool) => tool.function.name));
  for (const [index, call] of extras.tool_calls.entries()) {
    if (!offered.has(call.function.name)) throw invalid(`tool_calls[${index}].function.name`, `names '${call.function.name}', which is not one of the job's tools (${[...offered].join(', ') || 'none'})`);
  }
  return { tool_calls: extras.tool_calls };
}

function checkedVectors(job: JobRecord, vectors: number[][] | undefined): number[][] {
  const inputs = (jobType('embedding').decode(job.prompt) as EmbeddingInput).input.length;
  if (vectors === undefined) throw invalid('embeddings', `is required for an embedding job: one vector per input (${inputs})`);
  if (vectors.length !== inputs) throw invalid('embeddings', `has ${vectors.length} vectors; the job has ${inputs} inputs`);
  const length = vectors[0]?.length ?? 0;
  if (length === 0 || length > MAX_EMBEDDING_DIMENSIONS) throw invalid('embeddings', `vectors must have 1–${MAX_EMBEDDING_DIMENSIONS} dimensions, got ${length}`);
  for (const [index, vector] of vectors.entries()) {
    if (vector.length !== length) throw invalid(`embeddings[${index}]`, `has ${vector.length} dimensions; the first vector has ${length}`);
    if (!vector.every(Number.isFinite)) throw invalid(`embeddings[${index}]`, 'must hold finite numbers only');
  }
  return vectors;
}

const invalid = (field: string, detail: string) => new ApiError('VALIDATION_INVALID_FORMAT', `Field '${field}' ${detail}`, { field });
