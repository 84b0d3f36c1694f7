// Chain stores that a test opens are closed after it, whatever it asserted.

import { afterEach } from 'node:test';
import { ChainStore } from '../src/store/chain-store.ts';

const open: ChainStore[] = [];
afterEach(() => {
  for (const store of open.splice(0)) store.close();
});

/** Registers `store` (by default a new in-memory one) to be closed after the current test. */
export function closedAfterTest(store: ChainStore = new ChainStore(':memory:')): ChainStore {
  open.push(store);
  return store;
}
