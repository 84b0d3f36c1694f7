// Wakes long-polling miners when work may have appeared. It only wakes: the jobs table stays the
// truth, and a woken miner re-runs its claim. A new job wakes one waiting miner that can take it,
// not every waiter, so a burst of submits does not become a burst of empty claim transactions.
// Which one: the pinned miner; otherwise, among the waiters that fit the job's claim constraints
// (model, required digest, excluded owners, minimum score; not paused; for a re-execution or
// tie-break, a miner that may verify), the best-scored, the
// longest-waiting breaking ties. Reputation-aware matching: work goes first to the miners with
// the best record, so a new or caught miner gets work when the better ones are busy. (What each
// waiter knows of itself is read when its poll starts: a score that moves meanwhile counts from
// its next poll; a mismatch only costs an empty claim, the store judges the claim.) A generation
// counter closes the gap between "claim found nothing" and "start waiting": a miner that missed a
// notify re-checks.

import type { JobPurpose } from '../verification/sampling.ts';

/** What a job asks of its miner (a JobRecord is one). */
export interface WorkHint {
  model: string;
  purpose?: JobPurpose;
  pinnedMinerId: string | null;
  requiredDigest?: string | null;
  excludedOwners?: readonly string[];
  minReputationPpm?: number;
  /** A re-run waiting for its subject: nobody can take it yet. */
  awaitingSubject?: boolean;
}

/** A waiting miner, as its poll found it. */
export interface WaitingMiner {
  minerId: string;
  models: ReadonlySet<string>;
  ownerKeyId: string;
  /** Model → advertised digest. */
  digests: ReadonlyMap<string, string>;
  scorePpm: number;
  /** A paused miner takes only the canaries pinned to it. */
  paused: boolean;
  /** It may run re-executions and tie-breaks (`mayVerify`, src/verification/sampling.ts). */
  mayVerify: boolean;
}

interface Waiter extends WaitingMiner {
  wake: () => void;
}

function fits(waiter: WaitingMiner, hint: WorkHint): boolean {
  if (hint.pinnedMinerId) return waiter.minerId === hint.pinnedMinerId;
  return (
    !waiter.paused &&
    waiter.models.has(hint.model) &&
    (hint.requiredDigest == null || waiter.digests.get(hint.model) === hint.requiredDigest) &&
    !(hint.excludedOwners ?? []).includes(waiter.ownerKeyId) &&
    waiter.scorePpm >= (hint.minReputationPpm ?? 0) &&
    (waiter.mayVerify || (hint.purpose !== 'reexecution' && hint.purpose !== 'tiebreak'))
  );
}

/**
 * The signal every process of a coordinator uses. This process's implementation is
 * LocalWorkSignal; several coordinators on one database need one that carries `notify` to the
 * others' waiters too (the scale-out path), with the same contract: it only wakes, the store judges.
 */
export interface WorkSignal {
  /** Moves on every notify; a poll that saw another value re-checks instead of waiting. */
  readonly generation: number;
  /** True once the server is shutting down: waiters stop waiting for good. */
  readonly closed: boolean;
  close(): void;
  /** Wakes the one waiter that fits `hint`, or everyone when there is no hint (re-queues, shutdown). */
  notify(hint?: WorkHint): void;
  /** Resolves on a notify meant for this miner after `seenGeneration`, after `timeoutMs`, or on abort. */
  wait(seenGeneration: number, timeoutMs: number, who: WaitingMiner, signal?: AbortSignal): Promise<void>;
  /** Miners waiting in a long-poll here. */
  readonly waiting: number;
}

/** The work signal of one coordinator process: its own waiters, woken in memory. */
export class LocalWorkSignal implements WorkSignal {
  private generationCounter = 0;
  private waiters: Waiter[] = [];
  private closedFlag = false;

  get generation(): number {
    return this.generationCounter;
  }

  /** True once the server is shutting down: waiters stop waiting for good. */
  get closed(): boolean {
    return this.closedFlag;
  }

  close(): void {
    this.closedFlag = true;
    this.notify();
  }

  /** Wakes the one waiter that fits `hint`, or everyone when there is no hint (re-queues, shutdown). */
  notify(hint?: WorkHint): void {
    this.generationCounter++;
    if (!hint) {
      const woken = this.waiters;
      this.waiters = [];
      for (const waiter of woken) waiter.wake();
      return;
    }
    if (hint.awaitingSubject) return;
    // Waiters are in arrival order: the first of the best score has waited longest.
    let index = -1;
    this.waiters.forEach((waiter, at) => {
      if (fits(waiter, hint) && (index < 0 || waiter.scorePpm > this.waiters[index]!.scorePpm)) index = at;
    });
    if (index < 0) return;
    const [waiter] = this.waiters.splice(index, 1);
    waiter!.wake();
  }

  /** Resolves on a notify meant for this miner after `seenGeneration`, after `timeoutMs`, or on abort. */
  wait(seenGeneration: number, timeoutMs: number, who: WaitingMiner, signal?: AbortSignal): Promise<void> {
    if (this.generationCounter !== seenGeneration || timeoutMs <= 0 || signal?.aborted || this.closedFlag) return Promise.resolve();
    return new Promise((resolve) => {
      const waiter: Waiter = { ...who, wake: () => done() };
      const done = () => {
        clearTimeout(timer);
        this.waiters = this.waiters.filter((other) => other !== waiter);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      this.waiters.push(waiter);
      signal?.addEventListener('abort', done, { once: true });
    });
  }

  get waiting(): number {
    return this.waiters.length;
  }
}
