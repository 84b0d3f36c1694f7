// The built-in `demo` backend for machines without a model server. It is NOT a language model:
// a word trigram chain (see markov.ts) trained on a public-domain passage shipped in assets/,
// enough to exercise jobs, streaming, usage and receipts end to end. For chat it also makes a
// deterministic tool call and JSON that fits a requested schema (see schema-sample.ts), so tools
// and structured output can be tested without a GPU; `demo-embed` makes embeddings (demo-embed.ts).
//
// Tokens, for this backend and as the fallback count of the OpenAI-compatible one, are
// whitespace-separated words: countTokens(" Alice was") is 2.

import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { jobType, messageText, type ChatInput, type ModelCapabilities, type ToolCall } from '@aitbc/protocol';
import { BackendError, promptTextOf, type Backend, type EmbedRequest, type GenerateRequest, type GenerationEvent, type Usage } from './backend.ts';
import { DEMO_EMBED_DIMENSIONS, demoEmbedding } from './demo-embed.ts';
import { WordChain, pick } from './markov.ts';
import { hash32, seededRandom } from './random.ts';
import { sampleFromSchema } from './schema-sample.ts';
import { toolCall } from './tool-calls.ts';

export const DEMO_MODEL = 'demo';
export const DEMO_EMBED_MODEL = 'demo-embed';
const DEFAULT_MAX_TOKENS = 64;
/**
 * Past this many words an answer ends at its next sentence end, as a chat reply would: an OpenAI
 * request without max_tokens is allowed what its max_price pays (often a thousand tokens), and
 * the demo should not fill all of it. Shorter limits end where they always did.
 */
const NATURAL_WORDS = DEFAULT_MAX_TOKENS;
const SENTENCE_END = /[.!?]["')]?$/;
const CORPUS = new URL('../../assets/alice.txt', import.meta.url);

/** Whitespace-separated words: the rough token measure of the demo backend. */
export function countTokens(text: string): number {
  return text.match(/\S+/g)?.length ?? 0;
}

// Trained once per process: every DemoBackend shares the same read-only chain.
let shared: WordChain | undefined;
/** The demo model's digest: SHA-256 of the shipped corpus, the only data its output depends on. */
let corpusDigest: string | undefined;

function trainedChain(): WordChain {
  if (!shared) {
    const bytes = readFileSync(CORPUS);
    corpusDigest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
    // Header lines (`#`) name the source; they are not part of the text.
    const text = bytes.toString('utf8')
      .split('\n')
      .filter((line) => !line.startsWith('#'))
      .join('\n');
    shared = new WordChain(text);
  }
  return shared;
}

/** Every word of the demo corpus, as written: what a forger of demo output would draw from. */
export function demoVocabulary(): string[] {
  return [...trainedChain().words];
}

/** What the demo models do: `demo` generates (text, chat, a tool call, JSON), `demo-embed` embeds. */
const DEMO_CAPABILITIES: Record<string, ModelCapabilities> = {
  [DEMO_MODEL]: { capabilities: ['completion', 'chat', 'tools', 'json_mode', 'json_schema'] },
  [DEMO_EMBED_MODEL]: { capabilities: ['embeddings'] },
};
/** `demo-embed` depends on no data, only on its algorithm: its digest names that, by version. */
const EMBED_DIGEST = `sha256:${createHash('sha256').update('aitbc demo-embed 1: hashed word features, L2-normalised').digest('hex')}`;
const MAX_DIMENSIONS = 4096;

/** A whole answer, before it is streamed. */
interface Answer {
  text: string;
  toolCalls?: ToolCall[];
  completionTokens: number;
}

export class DemoBackend implements Backend {
  readonly name = 'demo' as const;
  readonly #chain: WordChain;

  constructor() {
    this.#chain = trainedChain();
  }

  async listModels(): Promise<string[]> {
    return [DEMO_MODEL, DEMO_EMBED_MODEL];
  }

  async modelDigests(): Promise<Record<string, string>> {
    return { [DEMO_MODEL]: corpusDigest!, [DEMO_EMBED_MODEL]: EMBED_DIGEST };
  }

  async capabilities(models?: readonly string[]): Promise<Record<string, ModelCapabilities>> {
    const named = models ?? (await this.listModels());
    return Object.fromEntries(named.filter((model) => Object.hasOwn(DEMO_CAPABILITIES, model)).map((model) => [model, structuredClone(DEMO_CAPABILITIES[model]!)]));
  }

  async *generate(request: GenerateRequest): AsyncGenerator<GenerationEvent> {
    if (request.model === DEMO_EMBED_MODEL) throw new BackendError('rejected', `the demo model "${DEMO_EMBED_MODEL}" only makes embeddings; generate with "${DEMO_MODEL}"`);
    if (request.model !== DEMO_MODEL) {
      throw new BackendError('model_not_found', `the demo backend only has the models "${DEMO_MODEL}" and "${DEMO_EMBED_MODEL}", not "${request.model}"`);
    }
    throwIfAborted(request.signal);
    const answer = request.input.kind === 'chat' ? this.#chat(request, request.input.input) : this.#text(request, request.input.input.prompt);
    // One piece per word with its leading space, e.g. " Alice", " was".
    for (const piece of answer.text.match(/\s*\S+|\s+$/g) ?? []) {
      // Hand control back between pieces, as a real stream would, and notice aborts there.
      await new Promise<void>((resolve) => setImmediate(resolve));
      throwIfAborted(request.signal);
      yield { type: 'text', text: piece };
    }
    if (answer.toolCalls) yield { type: 'tool_calls', calls: answer.toolCalls };
    yield { type: 'done', usage: { promptTokens: countTokens(promptTextOf(request.input)), completionTokens: answer.completionTokens } };
  }

  async embed(request: EmbedRequest): Promise<{ embeddings: number[][]; usage: Usage }> {
    if (request.model === DEMO_MODEL) throw new BackendError('rejected', `the demo model "${DEMO_MODEL}" makes no embeddings; use "${DEMO_EMBED_MODEL}"`);
    if (request.model !== DEMO_EMBED_MODEL) throw new BackendError('model_not_found', `the demo backend has no embedding model "${request.model}"; use "${DEMO_EMBED_MODEL}"`);
    const dimensions = request.dimensions ?? DEMO_EMBED_DIMENSIONS;
    if (!Number.isSafeInteger(dimensions) || dimensions < 1 || dimensions > MAX_DIMENSIONS) {
      throw new BackendError('rejected', `dimensions: ${DEMO_EMBED_MODEL} makes vectors of 1 to ${MAX_DIMENSIONS} dimensions, not ${dimensions}`);
    }
    throwIfAborted(request.signal);
    return {
      embeddings: request.input.map((text) => demoEmbedding(text, dimensions)),
      usage: { promptTokens: request.input.reduce((sum, text) => sum + countTokens(text), 0), completionTokens: 0 },
    };
  }

  /** A completion: the prompt continued from its last words. */
  #text(request: GenerateRequest, prompt: string): Answer {
    // No seed: the prompt is the seed, so the same prompt always reads the same.
    const text = this.#compose(request, seededFor(request, prompt), wordsOf(prompt));
    return { text, completionTokens: countTokens(text) };
  }

  /**
   * A chat turn, in this order: a tool call when tools are offered and the last message is not a
   * tool result; JSON when a format asks for it; else text continuing the last user message, or
   * after a tool result beginning with that result (so a test can see it reached the model).
   */
  #chat(request: GenerateRequest, input: ChatInput): Answer {
    const conversation = jobType('chat').promptText(input);
    const random = seededFor(request, conversation);
    const last = input.messages.at(-1);
    const userWords = wordsOf(messageText([...input.messages].reverse().find((message) => message.role === 'user') ?? { content: '' }));
    const sampleWords = userWords.map((word) => word.replace(/^[^\p{L}\p{N}]+|[^\p{L}\p{N}]+$/gu, '')).filter((word) => word !== '');
    if (input.tools && input.tools.length > 0 && input.tool_choice !== 'none' && last?.role !== 'tool') {
      const choice = input.tool_choice;
      const tool = typeof choice === 'object' ? input.tools.find((candidate) => candidate.function.name === choice.function.name) : input.tools[0];
      if (!tool) throw new BackendError('rejected', `tool_choice: no tool named "${(choice as { function: { name: string } }).function.name}" among the tools`);
      const args = JSON.stringify(sampleFromSchema(tool.function.parameters ?? { type: 'object' }, { random, words: sampleWords }));
      // Counted as the words of its names and values: JSON punctuation is not a word.
      return { text: '', toolCalls: [toolCall(0, tool.function.name, args)], completionTokens: Math.max(1, countTokens(args.replace(/[{}[\]",:]/g, ' '))) };
    }
    const format = input.response_format;
    if (format?.type === 'json_schema' && format.json_schema.schema) {
      const text = JSON.stringify(sampleFromSchema(format.json_schema.schema, { random, words: sampleWords }));
      return { text, completionTokens: countTokens(text) };
    }
    if (format?.type === 'json_object' || format?.type === 'json_schema') {
      // Stop strings would cut the JSON open: they do not apply to it.
      const text = JSON.stringify({ text: this.#compose({ ...request, stop: undefined }, random, userWords).trim() });
      return { text, completionTokens: countTokens(text) };
    }
    const toolAnswer = last?.role === 'tool' ? messageText(last) : '';
    const limit = Math.max(0, Math.trunc(request.maxTokens ?? DEFAULT_MAX_TOKENS) - countTokens(toolAnswer));
    const text = toolAnswer + this.#compose({ ...request, maxTokens: limit }, random, toolAnswer ? wordsOf(toolAnswer) : userWords);
    return { text, completionTokens: countTokens(text) };
  }

  /** At most maxTokens words following `context`, cut before the first stop string, ended at a sentence end past NATURAL_WORDS. */
  #compose(request: GenerateRequest, random: () => number, context: readonly string[]): string {
    const limit = Math.max(0, Math.trunc(request.maxTokens ?? DEFAULT_MAX_TOKENS));
    const temperature = request.temperature ?? 1;
    const topP = Math.min(1, request.topP ?? 1);
    const stops = (request.stop ?? []).filter((stop) => stop !== '');
    // The context's last words start the chain when it knows them.
    const words = context.slice(-2);
    let output = '';
    for (let count = 0; count < limit; count++) {
      const word = pick(this.#chain.continuations(words), random, temperature, topP);
      words.push(word);
      words.splice(0, words.length - 2);
      const before = output.length;
      output += ` ${word}`;
      const cut = firstStop(output, stops, before);
      if (cut !== undefined) return output.slice(0, cut);
      if (count + 1 >= NATURAL_WORDS && SENTENCE_END.test(word)) return output;
    }
    return output;
  }
}

function wordsOf(text: string): string[] {
  return text.split(/\s+/).filter((word) => word !== '');
}

/** The job's seed, or without one its prompt, so the same request always reads the same. */
function seededFor(request: GenerateRequest, prompt: string): () => number {
  return seededRandom(hash32(request.seed === undefined ? `prompt:${prompt}` : `seed:${request.seed}`));
}

/** Where the earliest stop string begins, looking only at matches that end after `from`. */
function firstStop(text: string, stops: readonly string[], from: number): number | undefined {
  let cut: number | undefined;
  for (const stop of stops) {
    const at = text.indexOf(stop, Math.max(0, from - stop.length + 1));
    if (at >= 0 && (cut === undefined || at < cut)) cut = at;
  }
  return cut;
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new BackendError('aborted', 'the demo generation was aborted', { cause: signal.reason });
}
