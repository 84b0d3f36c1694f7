// Wakes long-polling miners when work may have appeared. It only wakes: the jobs table stays the
// truth, and every waiter re-runs its claim after waking. A generation counter closes the gap
// between "claim found nothing" and "start waiting", so a submit in between is never missed.

export class WorkSignal {
  private generationCounter = 0;
  private readonly waiters = new Set<() => void>();
  private closedFlag = false;

  /** True once the server is shutting down: waiters stop waiting for good. */
  get closed(): boolean {
    return this.closedFlag;
  }

  close(): void {
    this.closedFlag = true;
    this.notify();
  }

  get generation(): number {
    return this.generationCounter;
  }

  notify(): void {
    this.generationCounter++;
    const woken = [...this.waiters];
    this.waiters.clear();
    for (const wake of woken) wake();
  }

  /** Resolves on the next notify after `seenGeneration`, after `timeoutMs`, or on abort. */
  wait(seenGeneration: number, timeoutMs: number, signal?: AbortSignal): Promise<void> {
    if (this.generationCounter !== seenGeneration || timeoutMs <= 0 || signal?.aborted || this.closedFlag) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(done);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      this.waiters.add(done);
      signal?.addEventListener('abort', done, { once: true });
    });
  }

  get waiting(): number {
    return this.waiters.size;
  }
}
