// Deterministic randomness for the demo backend: a string hash (to turn seeds and prompts into
// PRNG states) and a tiny xorshift generator. Not for anything security-related.

/** 32-bit FNV-1a over the UTF-16 code units of `text`. */
export function hash32(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

/** Numbers in [0, 1), the same sequence for the same state. */
export function seededRandom(state: number): () => number {
  // Xorshift has a fixed point at zero; the hashed states make neighbouring seeds start far apart.
  let x = state >>> 0 || 0x9e3779b9;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 0x1_0000_0000;
  };
}
