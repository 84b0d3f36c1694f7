// A dishonest miner, for tests and simulations only: wraps a backend and, on a seeded share of
// jobs, answers something other than what was asked for while the daemon still signs the model
// digest it advertised. It exists so that the coordinator's checks (canaries, re-execution) can
// be tested against the real miner daemon rather than a stand-in. `aitbc miner` allows it only
// with the demo backend.
//
// Which jobs it cheats on is decided per job from the seed and the job's ordinal (1st, 2nd, …
// generate() call of this backend), so a sequential run is reproducible: the same seed cheats on
// the same jobs in the same way.

import { type ModelCapabilities, type ToolCall } from '@aitbc/protocol';
import { BackendError, promptTextOf, type Backend, type EmbedRequest, type GenerateRequest, type GenerationEvent, type Usage } from './backend.ts';
import { demoVocabulary } from './demo.ts';
import { hash32, seededRandom } from './random.ts';

export const CHEAT_MODES = ['wrong-model', 'truncate', 'random'] as const;
/**
 * - `wrong-model`: output from "another, cheaper model": the wrapped backend sampling at a
 *   flatter temperature with a seed of its own (same prompt, same length limit), deterministic per
 *   request like a real model, whatever temperature the job asked for (so temperature-0 checks see it).
 * - `truncate`: the honest output cut to its first half (in words), billed as the smaller usage.
 * - `random`: as many random words as the honest output had, billed as the honest usage.
 */
export type CheatMode = (typeof CHEAT_MODES)[number];

/** A weaker model is less sure of itself: its choices are modelled as sampling at this temperature. */
const WRONG_MODEL_TEMPERATURE = 1.5;
/** `truncate` keeps this share of the honest output's words (rounded down). */
const TRUNCATE_KEPT_SHARE = 0.5;

export interface CheatingOptions {
  mode: CheatMode;
  /** Share of eligible jobs to cheat on, 0 to 1 (default 1: every one). */
  rate?: number;
  /** Jobs answered honestly before any cheating (default 0): a miner that builds a record first. */
  after?: number;
  /** Seeds which jobs are cheated on and how (default 0). */
  seed?: number;
  /** Words `random` draws from (default: the demo corpus's words, so the text looks like demo output). */
  vocabulary?: readonly string[];
  /** Told of every job as it starts: its ordinal and the mode it is cheated with, or null when honest. */
  onJob?: (job: { ordinal: number; cheat: CheatMode | null }) => void;
}

export class CheatingBackend implements Backend {
  readonly #inner: Backend;
  readonly #mode: CheatMode;
  readonly #rate: number;
  readonly #after: number;
  readonly #seed: number;
  readonly #vocabulary: readonly string[];
  readonly #onJob: CheatingOptions['onJob'];
  #jobs = 0;

  constructor(inner: Backend, options: CheatingOptions) {
    if (!(CHEAT_MODES as readonly string[]).includes(options.mode)) throw new RangeError(`mode: expected one of ${CHEAT_MODES.join(', ')}, got ${String(options.mode)}`);
    const rate = options.rate ?? 1;
    if (!(rate >= 0 && rate <= 1)) throw new RangeError(`rate: expected a share from 0 to 1, got ${rate}`);
    const after = options.after ?? 0;
    if (!Number.isSafeInteger(after) || after < 0) throw new RangeError(`after: expected a whole number of jobs, got ${after}`);
    const seed = options.seed ?? 0;
    if (!Number.isSafeInteger(seed)) throw new RangeError(`seed: expected a whole number, got ${seed}`);
    this.#vocabulary = options.vocabulary ?? demoVocabulary();
    if (this.#vocabulary.length === 0 || !this.#vocabulary.every((word) => /^\S+$/.test(word))) throw new RangeError('vocabulary: expected at least one word, none empty or with spaces');
    this.#inner = inner;
    this.#mode = options.mode;
    this.#rate = rate;
    this.#after = after;
    this.#seed = seed;
    this.#onJob = options.onJob;
  }

  /** The wrapped backend's kind: receipts name it, as a cheater's would. */
  get name(): Backend['name'] {
    return this.#inner.name;
  }

  listModels(): Promise<string[]> {
    return this.#inner.listModels();
  }

  /** The honest digests: advertised and signed whatever actually ran. */
  async modelDigests(): Promise<Record<string, string>> {
    return (await this.#inner.modelDigests?.()) ?? {};
  }

  async capabilities(models?: readonly string[]): Promise<Record<string, ModelCapabilities>> {
    return (await this.#inner.capabilities?.(models)) ?? {};
  }

  /** Embeddings are passed through honestly: the cheats are about generated text. */
  embed(request: EmbedRequest): Promise<{ embeddings: number[][]; usage: Usage }> {
    if (!this.#inner.embed) return Promise.reject(new BackendError('rejected', `the ${this.#inner.name} backend makes no embeddings`));
    return this.#inner.embed(request);
  }

  generate(request: GenerateRequest): AsyncIterable<GenerationEvent> {
    // Counted when the job asks, not when its stream is first read, so ordinals follow job order.
    const ordinal = ++this.#jobs;
    const cheat = this.#cheatsOn(ordinal) ? this.#mode : null;
    this.#onJob?.({ ordinal, cheat });
    switch (cheat) {
      case null:
        return this.#inner.generate(request);
      case 'wrong-model':
        return this.#inner.generate({
          ...request,
          temperature: WRONG_MODEL_TEMPERATURE,
          topP: 1,
          seed: hash32(`wrong-model:${this.#seed}:${request.seed ?? ''}:${promptTextOf(request.input)}`),
        });
      case 'truncate':
        return this.#rewrite(request, (text, usage) => {
          const words = text.match(/\s*\S+/g) ?? [];
          const kept = Math.floor(words.length * TRUNCATE_KEPT_SHARE);
          // Billed as the kept share of what the backend reported (exact for the demo's word tokens).
          const completionTokens = words.length === 0 ? 0 : Math.round((usage.completionTokens * kept) / words.length);
          return { text: words.slice(0, kept).join(''), usage: { ...usage, completionTokens } };
        });
      case 'random': {
        const random = seededRandom(hash32(`random:${this.#seed}:${ordinal}`));
        const vocabulary = this.#vocabulary;
        return this.#rewrite(request, (text, usage) => ({
          text: text.replace(/\S+/g, () => vocabulary[Math.floor(random() * vocabulary.length)]!),
          usage,
        }));
      }
    }
  }

  /** Job `ordinal` is cheated on when past the honest record and its seeded draw falls under the rate. */
  #cheatsOn(ordinal: number): boolean {
    return ordinal > this.#after && seededRandom(hash32(`cheat:${this.#seed}:${ordinal}`))() < this.#rate;
  }

  /** Runs the job honestly, then streams `change` of the whole output, one word a piece. */
  async *#rewrite(request: GenerateRequest, change: (text: string, usage: Usage) => { text: string; usage: Usage }): AsyncGenerator<GenerationEvent> {
    let honest = '';
    let reported: Usage | undefined;
    let calls: ToolCall[] | undefined;
    for await (const event of this.#inner.generate(request)) {
      if (event.type === 'text') honest += event.text;
      else if (event.type === 'tool_calls') calls = event.calls;
      else reported = event.usage;
    }
    // No usage means the backend broke off: pass that on as it is, no made-up answer.
    if (!reported) return;
    const { text, usage } = change(honest, reported);
    for (const piece of text.match(/\s*\S+|\s+$/g) ?? []) {
      if (request.signal?.aborted) throw new BackendError('aborted', 'the generation was aborted', { cause: request.signal.reason });
      yield { type: 'text', text: piece };
    }
    if (calls) yield { type: 'tool_calls', calls };
    yield { type: 'done', usage };
  }
}
