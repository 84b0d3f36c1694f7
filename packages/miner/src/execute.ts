// One claimed job on the backend: its input decoded by kind (a coordinator that names no kind
// sends text jobs), generated (a completion or a chat turn) or embedded, and what the completion
// carries gathered as it comes: text, tool calls, vectors and usage.

import { decodeJobInput, JOB_KINDS, type JobInput, type JobKind, type JobOutput, type JobParams, type ToolCall } from '@aitbc/protocol';
import { BackendError, type Backend, type Usage } from './backends/backend.ts';

/** What a job produced so far: kept when it is stopped half-way, to bill what went out. */
export interface Execution {
  text: string;
  toolCalls: ToolCall[];
  embeddings: number[][] | undefined;
  usage: Usage | undefined;
  /** Text pieces streamed. */
  pieces: number;
}

export const newExecution = (): Execution => ({ text: '', toolCalls: [], embeddings: undefined, usage: undefined, pieces: 0 });

/** The job's input from the claim's `kind` and canonical `prompt`. */
export function decodeClaim(claim: { kind?: string | undefined; prompt: string }): JobInput {
  const kind = claim.kind ?? 'text';
  // A kind newer than this miner: thrown as a miner error, so the job goes back for a miner that knows it.
  if (!(JOB_KINDS as readonly string[]).includes(kind)) throw new Error(`this miner does not run ${kind} jobs; it needs an update`);
  try {
    return decodeJobInput(kind as JobKind, claim.prompt);
  } catch (cause) {
    throw new BackendError('rejected', `the ${kind} job's input is not valid JSON`, { cause });
  }
}

export async function execute(
  backend: Backend,
  job: { model: string; input: JobInput; params: JobParams },
  run: { signal: AbortSignal; onText: (text: string) => void; progress: Execution },
): Promise<Execution> {
  const { input, params } = job;
  const progress = run.progress;
  if (input.kind === 'embedding') {
    if (!backend.embed) throw new BackendError('rejected', `the ${backend.name} backend makes no embeddings`);
    const answer = await backend.embed({ model: job.model, input: input.input.input, dimensions: input.input.dimensions, signal: run.signal });
    progress.embeddings = answer.embeddings;
    progress.usage = { promptTokens: answer.usage.promptTokens, completionTokens: 0 };
    return progress;
  }
  const request = { model: job.model, input, maxTokens: params.max_tokens, temperature: params.temperature, topP: params.top_p, seed: params.seed, stop: params.stop, signal: run.signal };
  for await (const event of backend.generate(request)) {
    if (event.type === 'text') {
      progress.text += event.text;
      progress.pieces++;
      run.onText(event.text);
    } else if (event.type === 'tool_calls') progress.toolCalls.push(...event.calls);
    else progress.usage = event.usage;
  }
  return progress;
}

/** What the receipt's output hash covers, by the job type's rules. */
export function jobOutput(progress: Execution): JobOutput {
  return { text: progress.text, tool_calls: progress.toolCalls.length > 0 ? progress.toolCalls : undefined, embeddings: progress.embeddings };
}
