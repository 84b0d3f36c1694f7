// Canaries: jobs whose output two independent miners (different owners) agreed on, kept with that
// output as the reference. A miner is only sent an entry it has not seen (ran, checked or
// answered as a canary before), so it cannot answer from memory.

import type { Run } from './miners.ts';
import type { SimJob } from './workload.ts';

export interface CanaryEntry {
  job: SimJob;
  reference: Run;
  /** Miners that ran this job already. */
  seen: Set<string>;
}

export class CanaryPool {
  readonly #entries: CanaryEntry[] = [];
  /** Entries whose agreed output is not the honest one (two cheaters writing the same wrong text). */
  contaminated = 0;

  get size(): number {
    return this.#entries.length;
  }

  /** `wrong`: known to the simulation only, for the count of contaminated entries. */
  add(job: SimJob, reference: Run, seenBy: readonly string[], wrong: boolean): void {
    this.#entries.push({ job, reference, seen: new Set(seenBy) });
    if (wrong) this.contaminated++;
  }

  /** A random entry `minerId` has not seen, or undefined when it has seen them all. */
  pickUnseen(minerId: string, random: () => number): CanaryEntry | undefined {
    // A few random draws find one almost always; the scan is for a miner that has seen most.
    for (let tries = 0; tries < 8 && this.#entries.length > 0; tries++) {
      const entry = this.#entries[Math.floor(random() * this.#entries.length)]!;
      if (!entry.seen.has(minerId)) return entry;
    }
    return this.#entries.find((entry) => !entry.seen.has(minerId));
  }
}
