// Group commit for the SQLite engine: the write steps that start in one turn of the event loop
// share one transaction, committed once when the turn ends, instead of a BEGIN and a COMMIT (and
// a WAL write of every page they touch) each. Under load that is most of what a commit costs:
// the pages several steps touch (an index's root, the ledger's tail, a miner's row) are written
// to the WAL once per group instead of once per step.
//
// What each step promises is unchanged:
// - it runs at once and alone, in order, inside a savepoint: a step that throws undoes only itself;
// - its result is handed back only after the group's COMMIT, so no answer tells a client of a
//   write that is not committed; if the COMMIT fails, every step of the group fails with it.
// A read that runs while a group is open sees the group's steps (one connection, in order), as it
// would see them a moment later.
// Another connection to the same file in this process (tests open several) first commits the
// open group: waiting on its lock would block the one thread that can release it.

import type Database from 'better-sqlite3';

/** The groups open in this process, by database file. */
const openGroups = new Map<string, GroupCommit>();

interface Waiter {
  resolve: () => void;
  reject: (error: unknown) => void;
}

export class GroupCommit {
  /** Runs its argument inside a savepoint of the open group (better-sqlite3 nests transactions that way). */
  private readonly step: (fn: () => unknown) => unknown;
  private readonly begin: Database.Statement;
  private readonly commitGroup: Database.Statement;
  private readonly rollback: Database.Statement;
  private waiters: Waiter[] | null = null;

  constructor(private readonly db: Database.Database) {
    this.step = db.transaction((fn: () => unknown) => fn());
    this.begin = db.prepare('BEGIN IMMEDIATE');
    this.commitGroup = db.prepare('COMMIT');
    this.rollback = db.prepare('ROLLBACK');
  }

  /** Runs `fn` now, in the open group (opening one if none is), and hands back its result once the group is committed. */
  run<T>(fn: () => T): Promise<T> {
    // SQLite itself rolls the whole transaction back on some errors (a full disk, I/O): the steps so far are gone.
    if (this.waiters !== null && !this.db.inTransaction) this.abandon(new Error('the database rolled back the open write group'));
    if (this.waiters === null) {
      const other = openGroups.get(this.db.name);
      if (other !== undefined && other !== this) other.flush();
      this.begin.run();
      if (this.db.name !== ':memory:') openGroups.set(this.db.name, this);
      this.waiters = [];
      setImmediate(() => this.commit());
    }
    let result: T;
    try {
      result = this.step(fn) as T;
    } catch (error) {
      return Promise.reject(error);
    }
    return new Promise<T>((resolve, reject) => this.waiters!.push({ resolve: () => resolve(result), reject }));
  }

  /** Commits the open group now (at shutdown, before the database closes). */
  flush(): void {
    if (this.waiters !== null) this.commit();
  }

  private commit(): void {
    const waiters = this.waiters;
    if (waiters === null) return;
    this.waiters = null;
    if (openGroups.get(this.db.name) === this) openGroups.delete(this.db.name);
    try {
      this.commitGroup.run();
    } catch (error) {
      if (this.db.inTransaction) this.rollback.run();
      for (const waiter of waiters) waiter.reject(error);
      return;
    }
    for (const waiter of waiters) waiter.resolve();
  }

  private abandon(error: Error): void {
    const waiters = this.waiters ?? [];
    this.waiters = null;
    if (openGroups.get(this.db.name) === this) openGroups.delete(this.db.name);
    for (const waiter of waiters) waiter.reject(error);
  }
}
