// The store conformance suite (test/conformance/store-conformance.ts) on the PostgreSQL engine:
// each case gets a fresh database on the local server (created and dropped here), and its
// connections are separate PostgresStore instances (each its own pool), as separate coordinator
// processes would open it.

import { createTestDatabase } from '@aitbc/testkit/postgres';
import { PostgresStore } from '../src/store/postgres/pg-store.ts';
import { describeStoreConformance } from './conformance/store-conformance.ts';

describeStoreConformance('postgres', async () => {
  const database = await createTestDatabase();
  const opened: PostgresStore[] = [];
  return {
    async stores(n) {
      // One at a time: the first applies the migrations, the others find them applied.
      const stores: PostgresStore[] = [];
      for (let i = 0; i < n; i++) stores.push(await PostgresStore.open({ url: database.url }));
      opened.push(...stores);
      return stores;
    },
    async close() {
      for (const store of opened) await store.close();
      await database.drop();
    },
  };
});
