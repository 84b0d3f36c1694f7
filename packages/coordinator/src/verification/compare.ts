// The comparison policy: does a miner's claimed output match a reference run of the same job
// (same prompt, model digest and parameters, seed included: every job runs with a seed)?
//
//   exact   both runs on the demo backend, which is a pure function of its input: byte-exact.
//   prefix  real backends (Ollama, OpenAI-compatible) of the same kind, or greedy decoding
//           (temperature 0) on any two: the first PREFIX_WORDS words agree and the claimed run
//           is not cut short (at least MIN_LENGTH_SHARE of the reference's completion tokens,
//           unless it stopped at max_tokens). Same weights, seed and sampler take the same path
//           until a floating-point tie, which GPUs of different makes meet late if at all; a
//           smaller model, a truncation or made-up text leaves that path within a few words.
//   none    sampled decoding (temperature > 0) on two different backend kinds: their samplers
//           draw differently from the same seed, so the runs say nothing: inconclusive, never
//           counted for or against a miner.
// The digests must be equal: a check run is only given to a miner that advertised the same one.

import type { JobParams } from '@aitbc/protocol';

export const PREFIX_WORDS = 32;
export const MIN_LENGTH_SHARE = 0.8;

export interface RunEvidence {
  output: string;
  completionTokens: number;
  backend: string;
  /** null for a version-1 receipt. */
  modelDigest: string | null;
}

export type Verdict = 'agree' | 'disagree' | 'inconclusive';
export type ComparisonRule = 'exact' | 'prefix' | 'none';

export interface Comparison {
  verdict: Verdict;
  rule: ComparisonRule;
  /** One sentence a miner's operator can act on. */
  detail: string;
}

export function comparisonRule(claimed: RunEvidence, reference: RunEvidence, params: JobParams): ComparisonRule {
  if (claimed.backend === 'demo' && reference.backend === 'demo') return 'exact';
  if (claimed.backend === reference.backend || params.temperature === 0) return 'prefix';
  return 'none';
}

export function compareRuns(claimed: RunEvidence, reference: RunEvidence, params: JobParams): Comparison {
  if (claimed.modelDigest !== null && reference.modelDigest !== null && claimed.modelDigest !== reference.modelDigest) {
    return { verdict: 'disagree', rule: 'exact', detail: `the claimed run used weights ${claimed.modelDigest}, the reference ${reference.modelDigest}` };
  }
  const rule = comparisonRule(claimed, reference, params);
  switch (rule) {
    case 'exact':
      return claimed.output === reference.output
        ? { verdict: 'agree', rule, detail: 'the outputs are byte-identical' }
        : { verdict: 'disagree', rule, detail: `the outputs differ from character ${firstDifference(claimed.output, reference.output)} on a deterministic backend` };
    case 'prefix':
      return comparePrefix(claimed, reference, params);
    case 'none':
      return { verdict: 'inconclusive', rule, detail: `sampled runs on different backends (${claimed.backend}, ${reference.backend}) cannot be compared` };
  }
}

function comparePrefix(claimed: RunEvidence, reference: RunEvidence, params: JobParams): Comparison {
  const claimedWords = words(claimed.output);
  const referenceWords = words(reference.output);
  const span = Math.min(PREFIX_WORDS, referenceWords.length);
  for (let i = 0; i < span; i++) {
    if (claimedWords[i] !== referenceWords[i]) {
      return { verdict: 'disagree', rule: 'prefix', detail: `word ${i + 1} differs from the reference run (the first ${span} must agree)` };
    }
  }
  const hitLimit = params.max_tokens !== undefined && claimed.completionTokens >= params.max_tokens;
  if (!hitLimit && claimed.completionTokens < MIN_LENGTH_SHARE * reference.completionTokens) {
    return { verdict: 'disagree', rule: 'prefix', detail: `the output stops after ${claimed.completionTokens} tokens; the reference run gave ${reference.completionTokens}` };
  }
  return { verdict: 'agree', rule: 'prefix', detail: `the first ${span} words agree and the lengths match` };
}

const words = (text: string): string[] => text.split(/\s+/).filter((word) => word.length > 0);

function firstDifference(a: string, b: string): number {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return i;
}
