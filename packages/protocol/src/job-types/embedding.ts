// Embeddings: vectors for a list of texts (OpenAI's /v1/embeddings). Paid by the input tokens:
// a receipt's units are its prompt tokens (it generates none).

import { canonicalize } from '../jcs.ts';
import type { JobType } from './job-type.ts';

export interface EmbeddingInput {
  input: string[];
  /** Truncate each vector to this many dimensions, where the model allows it. */
  dimensions?: number;
}

export const embeddingJob: JobType<EmbeddingInput> = {
  kind: 'embedding',
  capability: 'embeddings',
  generates: false,
  encode: (input) => canonicalize(input),
  decode: (prompt) => JSON.parse(prompt) as EmbeddingInput,
  requirements: () => [],
  promptText: (input) => input.input.join('\n'),
  outputText: (output) => canonicalize(output.embeddings ?? []),
};
