// The simulated miners: each its own owner, one model and one digest (honest miners all serve the
// same weights; cheaters sign that digest too, whatever actually ran). Outputs come from the real
// DemoBackend, wrapped for cheaters in the real (test-only) CheatingBackend; a miner runs its jobs
// the way the daemon calls its backend.

import type { Backend, GenerateRequest, GenerationEvent } from '../../packages/miner/src/backends/backend.ts';
import { CheatingBackend, type CheatMode } from '../../packages/miner/src/backends/cheating.ts';
import { DemoBackend } from '../../packages/miner/src/backends/demo.ts';
import type { RunEvidence } from '../../packages/coordinator/src/verification/compare.ts';
import { GOOD_STANDING, type Standing } from '../../packages/coordinator/src/verification/pause.ts';
import { newLife, type CheaterLife } from './economics.ts';
import type { SimJob } from './workload.ts';

export interface Strategy {
  name: string;
  /** Miners of this strategy at any time: a caught cheater is replaced by a fresh one. */
  count: number;
  /**
   * Honest jobs the first miners of the strategy bring to the run, probation long over (the
   * marketplace has been running); replacements start fresh, on probation.
   */
  record?: number;
  cheat?: {
    mode: CheatMode;
    /** Share of its jobs it cheats on once it has started. */
    rate: number;
    /** Honest jobs a replacement runs before it starts cheating (the first miners start at once). */
    after?: number;
  };
}

/**
 * 70 honest miners and 30 cheaters. The late starters swap in a cheaper model on 10 % of their
 * jobs after a long honest record: 3,000 jobs for the first ones, 100 for replacements (past
 * probation either way, which is all the sampling plan looks at; shorter, so that a run of
 * 100,000 jobs yields more of them). The slow-to-catch 10 % strategies get most cheating slots.
 */
export const STRATEGIES: readonly Strategy[] = [
  { name: 'honest', count: 70, record: 1000 },
  { name: 'always wrong-model', count: 4, cheat: { mode: 'wrong-model', rate: 1 } },
  { name: 'always truncate', count: 4, cheat: { mode: 'truncate', rate: 1 } },
  { name: '10 % random', count: 8, cheat: { mode: 'random', rate: 0.1 } },
  { name: '10 % late starter', count: 14, record: 3000, cheat: { mode: 'wrong-model', rate: 0.1, after: 100 } },
];

export interface SimMiner {
  id: string;
  owner: string;
  strategy: Strategy;
  backend: Backend;
  /** Everything it ran: client jobs and check runs (plus any record it brought). */
  jobsCompleted: number;
  standing: Standing;
  /** Its first job of cheating (jobsCompleted once that job is done); null for an honest miner. */
  cheatsFrom: number | null;
  /** Its first failed check has been recorded. */
  caught: boolean;
  /** What its cheating brought and cost it (economics); null for an honest miner. */
  life: CheaterLife | null;
}

/** A run as the coordinator sees it, and whether it was a cheat (known to the simulation only). */
export interface Run extends RunEvidence {
  cheated: boolean;
}

/** The backend request for a job, field for field as the miner daemon builds it. */
function request({ model, prompt, params }: SimJob): GenerateRequest {
  return { model, input: { kind: 'text', input: { prompt } }, maxTokens: params.max_tokens, temperature: params.temperature, topP: params.top_p, seed: params.seed, stop: params.stop };
}

export class Population {
  readonly #demo = new DemoBackend();
  readonly #digest: string;
  readonly #seed: number;
  #created = 0;
  /** Set by a cheating backend when the run it starts is a cheat. */
  #cheating = false;

  constructor(digest: string, seed: number) {
    this.#digest = digest;
    this.#seed = seed;
  }

  /** A fresh miner on probation, or (first miners of a late-starting strategy) one with a long honest record. */
  create(strategy: Strategy, replacement: boolean): SimMiner {
    const n = ++this.#created;
    const cheat = strategy.cheat;
    const carried = replacement ? 0 : (strategy.record ?? 0);
    const backend = cheat
      ? new CheatingBackend(this.#demo, {
          mode: cheat.mode,
          rate: cheat.rate,
          after: carried > 0 ? 0 : (cheat.after ?? 0),
          // Each cheater its own seed: two "cheaper models" do not write the same text.
          seed: this.#seed * 1000 + n,
          onJob: (job) => void (this.#cheating = job.cheat !== null),
        })
      : this.#demo;
    // A carried record is honest: such a miner cheats from its first job here; a replacement after its own record.
    const cheatsFrom = cheat ? (carried > 0 ? carried : (cheat.after ?? 0)) + 1 : null;
    return { id: `miner-${n}`, owner: `owner-${n}`, strategy, backend, jobsCompleted: carried, standing: { ...GOOD_STANDING, probationStartJobs: 0 }, cheatsFrom, caught: false, life: cheat ? newLife() : null };
  }

  /** What an honest miner answers to `job` (a cheat can happen to write the same). */
  async honestOutput(job: SimJob): Promise<string> {
    return (await readStream(this.#demo.generate(request(job)))).output;
  }

  /**
   * Runs `job` on `miner` as the miner daemon does (same request fields, output and usage as
   * streamed). The backend is asked at once, so a cheating backend counts the job and decides its
   * cheat in job order; its stream is read only when a check needs the output, as most client jobs
   * are never checked and reading the stream is most of a run's CPU. Both backends write a pure
   * function of the request (and, for a cheater, the job's ordinal), so a late read gives the same
   * output.
   */
  execute(miner: SimMiner, job: SimJob): PendingRun {
    this.#cheating = false;
    const stream = miner.backend.generate(request(job));
    const cheated = this.#cheating;
    miner.jobsCompleted++;
    const evidence = { backend: miner.backend.name, modelDigest: this.#digest, cheated };
    let read: Promise<Run> | undefined;
    return { cheated, read: () => (read ??= readStream(stream).then((output) => ({ ...output, ...evidence }))) };
  }
}

/** A run just done: whether it was a cheat is known, its output is read on demand (once). */
export interface PendingRun {
  cheated: boolean;
  read(): Promise<Run>;
}

async function readStream(stream: AsyncIterable<GenerationEvent>): Promise<{ output: string; completionTokens: number }> {
  let output = '';
  let completionTokens = 0;
  for await (const event of stream) {
    if (event.type === 'text') output += event.text;
    else if (event.type === 'done') completionTokens = event.usage.completionTokens;
  }
  return { output, completionTokens };
}
