// API keys in SQLite: stored hashed (only the hash is looked up), revoked once.

import type { Statement } from 'better-sqlite3';
import type { ApiKeyRecord, Scope } from '../store.ts';
import { num, numOrNull, type Row } from './rows.ts';

export class SqliteKeyTables {
  constructor(
    private readonly sql: (text: string) => Statement,
    private readonly write: <T>(fn: () => T) => Promise<T>,
  ) {}

  async insert(key: ApiKeyRecord): Promise<void> {
    await this.write(() => this
      .sql(
        `INSERT INTO api_keys (key_id, key_hash, scopes, account, rate_limit_per_minute, daily_job_quota, expires_at, created_at, revoked_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(key.keyId, key.keyHash, key.scopes.join(','), key.account, key.rateLimitPerMinute, key.dailyJobQuota, key.expiresAt, key.createdAt, key.revokedAt));
  }

  async findByHash(keyHash: string): Promise<ApiKeyRecord | null> {
    const row = this.sql('SELECT * FROM api_keys WHERE key_hash = ?').get(keyHash) as Row | undefined;
    return row ? toKey(row) : null;
  }

  async revoke(keyId: string, now: number): Promise<boolean> {
    const result = await this.write(() => this.sql('UPDATE api_keys SET revoked_at = ? WHERE key_id = ? AND revoked_at IS NULL').run(now, keyId));
    if (result.changes > 0) return true;
    return this.sql('SELECT 1 FROM api_keys WHERE key_id = ?').get(keyId) !== undefined;
  }

  async list(): Promise<ApiKeyRecord[]> {
    return (this.sql('SELECT * FROM api_keys ORDER BY created_at, key_id').all() as Row[]).map(toKey);
  }
}

/** An api_keys row (both engines). */
export function toKey(row: Row): ApiKeyRecord {
  return {
    keyId: row.key_id as string,
    keyHash: row.key_hash as string,
    scopes: (row.scopes as string).split(',') as Scope[],
    account: row.account as string,
    rateLimitPerMinute: numOrNull(row.rate_limit_per_minute),
    dailyJobQuota: numOrNull(row.daily_job_quota),
    expiresAt: numOrNull(row.expires_at),
    createdAt: num(row.created_at),
    revokedAt: numOrNull(row.revoked_at),
  };
}
