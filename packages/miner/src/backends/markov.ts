// A word-level trigram chain with back-off, the demo backend's stand-in for a language model: it
// only ever recombines the words of its training text. Contexts are matched on normalised words
// (lower case, outer punctuation stripped) so prompts find their way in; what it emits are the
// words as written, punctuation and all.

/** Candidate next words (as written) with how often each followed the context. */
export type Continuations = ReadonlyMap<string, number>;

export class WordChain {
  readonly #afterTwo = new Map<string, Map<string, number>>();
  readonly #afterOne = new Map<string, Map<string, number>>();
  /** Words that open a sentence: where to go when no context fits. */
  readonly #openers = new Map<string, number>();
  readonly #words = new Set<string>();

  constructor(text: string) {
    const words = text.split(/\s+/).filter((word) => word !== '');
    for (let i = 0; i < words.length; i++) {
      const word = words[i]!;
      this.#words.add(word);
      const previous = words[i - 1];
      if (previous === undefined || /[.!?]["')]*$/.test(previous)) bump(this.#openers, word);
      if (previous !== undefined) bump(entry(this.#afterOne, normalise(previous)), word);
      const before = words[i - 2];
      if (before !== undefined && previous !== undefined) bump(entry(this.#afterTwo, `${normalise(before)} ${normalise(previous)}`), word);
    }
    if (this.#openers.size === 0) throw new Error('the word chain needs a training text');
  }

  /** Every word of the training text, as written. */
  get words(): ReadonlySet<string> {
    return this.#words;
  }

  /**
   * The longest known context at the end of `words` (any text: a prompt or the output so far):
   * its last two words, else its last word, else none.
   */
  context(words: readonly string[]): string[] {
    const keys = words.slice(-2).map(normalise);
    if (keys.length === 2 && this.#afterTwo.has(keys.join(' '))) return keys;
    const last = keys.at(-1);
    return last !== undefined && this.#afterOne.has(last) ? [last] : [];
  }

  /** What may follow `words`: after the last two, else after the last one, else a sentence opener. */
  continuations(words: readonly string[]): Continuations {
    const context = this.context(words);
    if (context.length === 2) return this.#afterTwo.get(context.join(' '))!;
    if (context.length === 1) return this.#afterOne.get(context[0]!)!;
    return this.#openers;
  }
}

export function normalise(word: string): string {
  const bare = word.toLowerCase().replace(/^[^\p{L}\p{N}]+|[^\p{L}\p{N}]+$/gu, '');
  return bare === '' ? word : bare;
}

function entry(table: Map<string, Map<string, number>>, key: string): Map<string, number> {
  let counts = table.get(key);
  if (!counts) table.set(key, (counts = new Map()));
  return counts;
}

function bump(counts: Map<string, number>, word: string): void {
  counts.set(word, (counts.get(word) ?? 0) + 1);
}

/**
 * Picks a continuation. Temperature 0 takes the most frequent (the first seen on ties); otherwise
 * counts are sharpened or flattened as count^(1/temperature), then cut to the smallest set of most
 * likely words reaching `topP` of the weight (nucleus sampling), and one is drawn.
 */
export function pick(candidates: Continuations, random: () => number, temperature: number, topP: number): string {
  const entries = [...candidates];
  let best = entries[0];
  for (const candidate of entries) if (best === undefined || candidate[1] > best[1]) best = candidate;
  if (best === undefined) throw new Error('no continuation to pick from');
  if (!(temperature > 0) || !(topP > 0)) return best[0];
  // Scaled against the largest count in log space so low temperatures do not overflow.
  const top = Math.log(best[1]);
  const weighted = entries
    .map(([word, count]): [string, number] => [word, Math.exp((Math.log(count) - top) / temperature)])
    .sort((a, b) => b[1] - a[1]);
  const total = weighted.reduce((sum, [, weight]) => sum + weight, 0);
  const kept: [string, number][] = [];
  let keptWeight = 0;
  for (const candidate of weighted) {
    kept.push(candidate);
    keptWeight += candidate[1];
    if (keptWeight >= topP * total) break;
  }
  let draw = random() * keptWeight;
  for (const [word, weight] of kept) {
    draw -= weight;
    if (draw < 0) return word;
  }
  return kept.at(-1)![0];
}
