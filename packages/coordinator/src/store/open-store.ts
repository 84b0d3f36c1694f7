// Where a coordinator keeps its books: one SQLite file (the embedded default: `aitbc devnet`,
// `aitbc coordinator --db`) or a PostgreSQL database that several coordinator processes share
// (`--database-url`, the scale-out). Both engines keep the same contract (src/store/store.ts).

import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { LedgerAudit } from '../ledger/audit.ts';
import { SqliteStore } from './sqlite/sqlite-store.ts';
import type { CoordinatorStore } from './store.ts';

export type StoreLocation = { engine: 'sqlite'; path: string } | { engine: 'postgres'; url: string };

/** A store with the audit of its own books (what `check-ledger` and the tests run). */
export type AuditedStore = CoordinatorStore & { auditLedger(): Promise<LedgerAudit> };

export async function openStore(location: StoreLocation): Promise<AuditedStore> {
  if (location.engine === 'postgres') {
    // Loaded only here: a coordinator on SQLite (the devnet) never pays for the driver.
    const { PostgresStore } = await import('./postgres/pg-store.ts');
    try {
      return await PostgresStore.open({ url: location.url });
    } catch (error) {
      const reason = (error as { code?: string; message?: string }).code ?? (error as Error).message;
      throw new Error(`cannot open the coordinator database ${describeLocation(location)} (${reason}): is PostgreSQL running there, and does the database exist? Check --database-url / AITBC_DATABASE_URL`, { cause: error });
    }
  }
  if (location.path !== ':memory:') mkdirSync(dirname(location.path), { recursive: true });
  return new SqliteStore({ path: location.path });
}

/** The location as it may be printed: a database URL without its password. */
export function describeLocation(location: StoreLocation): string {
  if (location.engine === 'sqlite') return location.path;
  const url = new URL(location.url);
  if (url.password) url.password = '***';
  return `PostgreSQL ${url.toString()}`;
}
