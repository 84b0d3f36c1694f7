// The job types: one module each (text, chat, embedding), looked up by kind.

import { chatJob, type ChatInput } from './chat.ts';
import { embeddingJob, type EmbeddingInput } from './embedding.ts';
import type { JobKind, JobType } from './job-type.ts';
import { textJob, type TextInput } from './text.ts';

export * from './capabilities.ts';
export * from './messages.ts';
export * from './job-type.ts';
export { chatJob, embeddingJob, textJob, type ChatInput, type EmbeddingInput, type TextInput };

export interface JobInputs {
  text: TextInput;
  chat: ChatInput;
  embedding: EmbeddingInput;
}

const TYPES: { [K in JobKind]: JobType<JobInputs[K]> } = { text: textJob, chat: chatJob, embedding: embeddingJob };

export function jobType<K extends JobKind>(kind: K): JobType<JobInputs[K]> {
  return TYPES[kind];
}

/** A job's input with its kind, as the miner decodes it from the claim. */
export type JobInput = { [K in JobKind]: { kind: K; input: JobInputs[K] } }[JobKind];

export function decodeJobInput(kind: JobKind, prompt: string): JobInput {
  return { kind, input: jobType(kind).decode(prompt) } as JobInput;
}
