// The `demo-embed` model's vectors: NOT a learned embedding, just hashed word features (the
// "hashing trick"), L2-normalised. Texts that share words point the same way, which is enough to
// exercise embedding jobs, their receipts and a similarity search end to end.

import { hash32 } from './random.ts';

export const DEMO_EMBED_DIMENSIONS = 64;

/** The words a text is featurised by: lower-cased runs of letters and digits. */
export function embedWords(text: string): string[] {
  return text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
}

export function demoEmbedding(text: string, dimensions = DEMO_EMBED_DIMENSIONS): number[] {
  const vector = new Array<number>(dimensions).fill(0);
  const words = embedWords(text);
  // An empty text still gets a unit vector of its own.
  for (const word of words.length > 0 ? words : ['']) {
    // A second hash gives each word a sign, so unrelated words cancel out rather than pile up.
    vector[hash32(`word:${word}`) % dimensions]! += hash32(`sign:${word}`) & 1 ? 1 : -1;
  }
  const norm = Math.hypot(...vector);
  if (norm === 0) vector[hash32(`word:${words[0] ?? ''}`) % dimensions] = 1;
  return norm === 0 ? vector : vector.map((x) => x / norm);
}
