// Canaries: jobs whose output independent miners (different owners) agreed on, kept with the
// agreeing runs as evidence: two for an agreement, three when tie-breaks decided the check. A
// canary answer that disagrees is judged against that evidence (majority), so two cheaters who
// agreed on a wrong answer cannot fail an honest miner alone; an entry a confirming run disputed is
// withdrawn. A miner is only sent an entry it has not seen (ran, checked, confirmed or answered as a
// canary before), so it cannot answer from memory.

import type { MinerRun } from '../../packages/coordinator/src/verification/majority.ts';
import type { Run, SimMiner } from './miners.ts';
import type { SimJob } from './workload.ts';

/** A run in a check, with the miner that ran it (its owner may run no other run of the check). */
export type JudgedRun = MinerRun & { run: Run; miner: SimMiner };

export interface CanaryEntry {
  job: SimJob;
  /** The runs that agreed on the reference output, in the order they ran. */
  evidence: JudgedRun[];
  /** Miners that ran this job already. */
  seen: Set<string>;
  /** Its reference is not the honest output: known to the simulation only, for the counts. */
  wrong: boolean;
}

export class CanaryPool {
  readonly #entries: CanaryEntry[] = [];
  /** Entries ever added whose agreed output is not the honest one (cheaters writing the same wrong text). */
  contaminated = 0;
  /** Entries taken out after a confirming run disputed them, and how many of those were wrong. */
  withdrawn = 0;
  withdrawnWrong = 0;

  get size(): number {
    return this.#entries.length;
  }

  add(job: SimJob, evidence: CanaryEntry['evidence'], seenBy: readonly string[], wrong: boolean): void {
    this.#entries.push({ job, evidence, seen: new Set(seenBy), wrong });
    if (wrong) this.contaminated++;
  }

  /** Never sent again. */
  withdraw(entry: CanaryEntry): void {
    const index = this.#entries.indexOf(entry);
    if (index < 0) return;
    this.#entries.splice(index, 1);
    this.withdrawn++;
    if (entry.wrong) this.withdrawnWrong++;
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
