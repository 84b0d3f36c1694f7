// What a conformance case is: a name and a story driven through the engine-neutral store
// contract (src/store/store.ts) alone, so the same case runs on every engine.

import type { CoordinatorStore } from '../../src/store/store.ts';

/** One fresh database of the engine under test. */
export interface ConformanceDatabase {
  /** Opens `n` more connections (stores) on this same database: for claims, completions and submits that race. */
  stores(n: number): Promise<CoordinatorStore[]>;
  /** Closes every store it opened and drops the database. */
  close(): Promise<void>;
}

export type OpenDatabase = () => Promise<ConformanceDatabase>;

export interface CaseContext {
  /** The case's first connection; the ledger audit reads through it when the case ends. */
  store: CoordinatorStore;
  database: ConformanceDatabase;
}

export interface ConformanceCase {
  name: string;
  run(context: CaseContext): Promise<void>;
}

/** The cases of one contract area (src/store/contract/). */
export interface ConformanceArea {
  area: string;
  cases: ConformanceCase[];
}
