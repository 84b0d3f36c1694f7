// A single-owner duty as this process sees it: before each pass the process takes or renews the
// duty's lease in the store and does the work only while it holds it. Several coordinators on one
// database then sweep and send to the chain once, not once each; a holder that dies stops
// renewing, and another process takes over when its lease runs out.

import type { DutyStore } from '../store/store.ts';

export class DutyLease {
  constructor(
    private readonly store: DutyStore,
    readonly duty: string,
    private readonly holder: string,
    /** Longer than the longest pass, so that a slow pass does not lose the duty midway. */
    private readonly leaseMs: number,
    private readonly now: () => number,
  ) {}

  /** Takes or renews the lease; true when this process holds the duty for the next leaseMs. */
  held(): Promise<boolean> {
    return this.store.takeDuty(this.duty, this.holder, this.now(), this.leaseMs);
  }

  /** At shutdown: the next process need not wait for the lease to run out. */
  release(): Promise<void> {
    return this.store.releaseDuty(this.duty, this.holder);
  }
}
