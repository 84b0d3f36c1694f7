// Applies the PostgreSQL engine's numbered SQL files (src/store/postgres/migrations) in order,
// each in the transaction that records it. Coordinators starting together on one database take
// an advisory lock first, so exactly one of them migrates and the others find it done.

import { migrationFiles } from '@aitbc/protocol/node';
import type { PgDb } from './pg-db.ts';

/** Any constant, the same in every process: the lock that serialises migrations. */
const MIGRATION_LOCK = 0x41_49_54_42; // "AITB"

export async function migratePostgres(db: PgDb, dir: string): Promise<number> {
  return db.tx(async (q) => {
    await q.value('SELECT pg_advisory_xact_lock(?)', [MIGRATION_LOCK]);
    await q.run('CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)');
    const applied = new Set((await q.all('SELECT version FROM schema_migrations')).map((row) => Number(row.version)));
    let count = 0;
    for (const { version, name, sql } of migrationFiles(dir)) {
      if (applied.has(version)) continue;
      // A file holds several statements: sent as one simple query (no parameters, no preparing).
      await q.script(sql());
      await q.run('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)', [version, name, Date.now()]);
      count++;
    }
    return count;
  });
}
