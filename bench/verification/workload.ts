// The client jobs of the verification simulation: a varied prompt set (some starting inside the
// demo corpus, some outside it) and varied parameters. Every job has a seed, as the coordinator
// gives every job one; temperature 0 (greedy) on some, 0.7 on the rest.

import type { JobParams } from '@aitbc/protocol';
import { DEMO_MODEL } from '../../packages/miner/src/backends/demo.ts';

export interface SimJob {
  id: number;
  model: string;
  prompt: string;
  params: JobParams;
}

const PROMPTS = [
  'Alice was beginning to get very tired',
  'Down, down, down. Would the fall never come to an end',
  'The rabbit-hole went straight on like a tunnel',
  'Curiouser and curiouser! cried Alice',
  'Who in the world am I?',
  'the White Rabbit',
  'she was now only ten inches high',
  'Tell me a story about a cat',
  'Summarise the rules of croquet',
  'Write a haiku about GPUs',
  'Explain why the sky is blue',
  'Translate into French: good morning',
  'What is the capital of Wonderland?',
  'List three uses of a teapot',
  'Once upon a time',
  'The Queen said',
  'In a few words, what is a marketplace?',
  'Continue: it was the best of times',
  'Why do miners need a seed?',
  'Describe a garden of bright flowers',
];
/** Short completions keep the demo backend's cost per run low; detection does not depend on length. */
const MAX_TOKENS = [8, 16, 24, 32];

/** `random` is the simulation's seeded source for the workload alone. */
export function workload(random: () => number): () => SimJob {
  let id = 0;
  const choose = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  return () => {
    const params: JobParams = { seed: Math.floor(random() * 2 ** 31), max_tokens: choose(MAX_TOKENS), temperature: random() < 0.4 ? 0 : 0.7 };
    if (params.temperature !== 0 && random() < 0.3) params.top_p = 0.9;
    if (random() < 0.1) params.stop = ['!'];
    return { id: ++id, model: DEMO_MODEL, prompt: choose(PROMPTS), params };
  };
}
