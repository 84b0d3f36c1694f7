// A completion: one prompt continued as written (OpenAI's /v1/completions, the native job API).

import type { JobType } from './job-type.ts';

export interface TextInput {
  prompt: string;
}

export const textJob: JobType<TextInput> = {
  kind: 'text',
  capability: 'completion',
  generates: true,
  encode: (input) => input.prompt,
  decode: (prompt) => ({ prompt }),
  requirements: () => [],
  promptText: (input) => input.prompt,
  outputText: (output) => output.text,
};
