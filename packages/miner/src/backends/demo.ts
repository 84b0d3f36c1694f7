// The built-in `demo` backend for machines without a model server. It is NOT a language model:
// a word trigram chain (see markov.ts) trained on a public-domain passage shipped in assets/,
// enough to exercise jobs, streaming, usage and receipts end to end.
//
// Tokens, for this backend and as the fallback count of the OpenAI-compatible one, are
// whitespace-separated words: countTokens(" Alice was") is 2.

import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { BackendError, type Backend, type GenerateRequest, type GenerationEvent } from './backend.ts';
import { WordChain, pick } from './markov.ts';
import { hash32, seededRandom } from './random.ts';

export const DEMO_MODEL = 'demo';
const DEFAULT_MAX_TOKENS = 64;
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

export class DemoBackend implements Backend {
  readonly name = 'demo' as const;
  readonly #chain: WordChain;

  constructor() {
    this.#chain = trainedChain();
  }

  async listModels(): Promise<string[]> {
    return [DEMO_MODEL];
  }

  async modelDigests(): Promise<Record<string, string>> {
    return { [DEMO_MODEL]: corpusDigest! };
  }

  async *generate(request: GenerateRequest): AsyncGenerator<GenerationEvent> {
    if (request.model !== DEMO_MODEL) {
      throw new BackendError('model_not_found', `the demo backend only has the model "${DEMO_MODEL}", not "${request.model}"`);
    }
    throwIfAborted(request.signal);
    const output = this.#compose(request);
    // One piece per word with its leading space, e.g. " Alice", " was".
    for (const piece of output.match(/\s+\S*/g) ?? []) {
      // Hand control back between pieces, as a real stream would, and notice aborts there.
      await new Promise<void>((resolve) => setImmediate(resolve));
      throwIfAborted(request.signal);
      yield { type: 'text', text: piece };
    }
    yield { type: 'done', usage: { promptTokens: countTokens(request.prompt), completionTokens: countTokens(output) } };
  }

  /** The whole completion: at most maxTokens words, cut before the first stop string. */
  #compose(request: GenerateRequest): string {
    const limit = Math.max(0, Math.trunc(request.maxTokens ?? DEFAULT_MAX_TOKENS));
    // No seed: the prompt is the seed, so the same prompt always reads the same.
    const random = seededRandom(hash32(request.seed === undefined ? `prompt:${request.prompt}` : `seed:${request.seed}`));
    const temperature = request.temperature ?? 1;
    const topP = Math.min(1, request.topP ?? 1);
    const stops = (request.stop ?? []).filter((stop) => stop !== '');
    // The prompt's last words start the chain when it knows them.
    const words = request.prompt.split(/\s+/).filter((word) => word !== '').slice(-2);
    let output = '';
    for (let count = 0; count < limit; count++) {
      const word = pick(this.#chain.continuations(words), random, temperature, topP);
      words.push(word);
      words.splice(0, words.length - 2);
      const before = output.length;
      output += ` ${word}`;
      const cut = firstStop(output, stops, before);
      if (cut !== undefined) return output.slice(0, cut);
    }
    return output;
  }
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
