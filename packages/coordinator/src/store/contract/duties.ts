// Duties that must run in one process at a time among the coordinators on one database (the
// sweeper's store-wide upkeep, the chain outbox's sender): a lease each, taken and renewed by
// its holder, free again once it expires (a crashed holder's duty moves on by itself).

export interface DutyStore {
  /**
   * Takes or renews the lease on `duty` for `holder` until `now + leaseMs`, when it is free,
   * expired or already the holder's; true when `holder` holds it now. One statement.
   */
  takeDuty(duty: string, holder: string, now: number, leaseMs: number): Promise<boolean>;
  /** Gives it up (at shutdown), so another process need not wait for the lease to expire. */
  releaseDuty(duty: string, holder: string): Promise<void>;
}
