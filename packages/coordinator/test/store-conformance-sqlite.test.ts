// The store conformance suite (test/conformance/store-conformance.ts) on the SQLite engine: each
// case gets a fresh database file in WAL mode, and its connections are separate SqliteStore
// instances on that file, as separate coordinator processes would open it.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from '../src/store/sqlite/sqlite-store.ts';
import { describeStoreConformance } from './conformance/store-conformance.ts';

describeStoreConformance('sqlite', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'aitbc-conformance-'));
  const path = join(dir, 'coordinator.db');
  const opened: SqliteStore[] = [];
  return {
    async stores(n) {
      // One at a time: the first applies the migrations, the others find them applied.
      const stores = Array.from({ length: n }, () => new SqliteStore({ path }));
      opened.push(...stores);
      return stores;
    },
    async close() {
      for (const store of opened) await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
});
