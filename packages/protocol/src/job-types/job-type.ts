// What every job type says about itself: how its request is stored and hashed, what it needs of
// a miner, and what its output is. A new type (images, audio) is one more module beside these.

import type { Capability, Requirement } from './capabilities.ts';
import type { ToolCall } from './messages.ts';

export const JOB_KINDS = ['text', 'chat', 'embedding'] as const;
export type JobKind = (typeof JOB_KINDS)[number];

/** A finished job's output: generated text, with the tool calls of a chat turn or the vectors of an embedding job. */
export interface JobOutput {
  text: string;
  tool_calls?: ToolCall[] | undefined;
  embeddings?: number[][] | undefined;
}

export interface JobType<Input> {
  readonly kind: JobKind;
  /** What a miner's model needs to take a job of this type at all. */
  readonly capability: Capability;
  /** Whether it generates tokens: max_tokens, streaming and the stop reason apply. */
  readonly generates: boolean;
  /**
   * The canonical request text the job stores, the miner is sent and the receipt's `prompt_hash`
   * hashes: a text job's prompt itself, otherwise JCS of the request.
   */
  encode(input: Input): string;
  /** The request back from its canonical text (the miner's side). */
  decode(prompt: string): Input;
  /** The capabilities the request asks for beyond the type's own, each with the field that asks. */
  requirements(input: Input): Requirement[];
  /** The text the prompt-length limit and the token estimate measure. */
  promptText(input: Input): string;
  /**
   * The canonical output text: what the receipt's `output_hash` hashes and re-executions compare.
   * Plain generated text is itself (so version-1 receipts and streams are unchanged).
   */
  outputText(output: JobOutput): string;
}
