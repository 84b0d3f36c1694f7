// The acceptance window and disputes: held earnings released or frozen.

import type { DisputeOutcome, DisputeRequest } from '../store.ts';

export interface AcceptanceStore {
  /** Releases up to `limit` receipts whose window ended and whose job is not under dispute (held → earned), one transaction. */
  releaseDue(now: number, limit: number): Promise<number>;
  /**
   * Opens the client's dispute, in one transaction: checks the job (the account's completed client
   * job, inside its window, never disputed), queues `rerun` escrowed from the client unless the
   * job already has a re-execution check (whose verdict then decides, at once if it is in), and
   * freezes the held earnings. The check's verdict (decideCheck) closes the dispute.
   */
  openDispute(request: DisputeRequest): Promise<DisputeOutcome>;
  /** The prices of the account's completed client jobs still inside their window and not disputed. */
  disputableMicro(account: string, now: number): Promise<bigint>;
}
