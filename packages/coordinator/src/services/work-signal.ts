// Wakes long-polling miners when work may have appeared. It only wakes: the jobs table stays the
// truth, and a woken miner re-runs its claim. A new job wakes one waiting miner that can take it
// (the pinned miner, or the longest-waiting one offering the model), not every waiter, so a burst
// of submits does not become a burst of empty claim transactions. A generation counter closes the
// gap between "claim found nothing" and "start waiting": a miner that missed a notify re-checks.

export interface WorkHint {
  model: string;
  pinnedMinerId: string | null;
}

interface Waiter {
  minerId: string;
  models: ReadonlySet<string>;
  wake: () => void;
}

export class WorkSignal {
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
    const index = this.waiters.findIndex((waiter) => (hint.pinnedMinerId ? waiter.minerId === hint.pinnedMinerId : waiter.models.has(hint.model)));
    if (index < 0) return;
    const [waiter] = this.waiters.splice(index, 1);
    waiter!.wake();
  }

  /** Resolves on a notify meant for this miner after `seenGeneration`, after `timeoutMs`, or on abort. */
  wait(seenGeneration: number, timeoutMs: number, who: { minerId: string; models: ReadonlySet<string> }, signal?: AbortSignal): Promise<void> {
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
