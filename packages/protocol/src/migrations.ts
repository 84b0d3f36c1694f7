// Applies numbered SQL files (`<number>_<name>.sql`, …) from a folder in order, each inside a
// transaction that also records it, so a crash mid-migration leaves the previous version. Node
// only; shared by every SQLite store (coordinator, chain). Typed structurally so that this
// package does not depend on better-sqlite3.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

interface Statement {
  run(...params: unknown[]): unknown;
  all(...params: unknown[]): unknown[];
}

export interface MigratableDatabase {
  exec(sql: string): unknown;
  prepare(sql: string): Statement;
  transaction(fn: () => void): { immediate(): void };
}

/** A folder's numbered SQL files in order: what every engine's migration runner applies. */
export function migrationFiles(dir: string): { version: number; name: string; sql: () => string }[] {
  return readdirSync(dir)
    .filter((file) => /^\d+_.+\.sql$/.test(file))
    .sort()
    .map((name) => ({ version: Number.parseInt(name, 10), name, sql: () => readFileSync(join(dir, name), 'utf8') }));
}

export function applyMigrations(db: MigratableDatabase, dir: string): number {
  db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL) STRICT');
  const applied = new Set((db.prepare('SELECT version FROM schema_migrations').all() as { version: number | bigint }[]).map((row) => Number(row.version)));
  let count = 0;
  for (const { version, name, sql: read } of migrationFiles(dir)) {
    if (applied.has(version)) continue;
    const sql = read();
    db.transaction(() => {
      db.exec(sql);
      db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(version, name, Date.now());
    }).immediate();
    count++;
  }
  return count;
}
