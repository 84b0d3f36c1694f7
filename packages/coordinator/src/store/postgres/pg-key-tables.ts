// API keys on PostgreSQL: the SQLite engine's tables and rules (src/store/sqlite/key-tables.ts).

import type { ApiKeyRecord } from '../store.ts';
import { toKey } from '../sqlite/key-tables.ts';
import type { PgDb } from './pg-db.ts';

export class PgKeyTables {
  constructor(private readonly db: PgDb) {}

  async insert(key: ApiKeyRecord): Promise<void> {
    await this.db.q.run(
      `INSERT INTO api_keys (key_id, key_hash, scopes, account, rate_limit_per_minute, daily_job_quota, expires_at, created_at, revoked_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [key.keyId, key.keyHash, key.scopes.join(','), key.account, key.rateLimitPerMinute, key.dailyJobQuota, key.expiresAt, key.createdAt, key.revokedAt],
    );
  }

  async findByHash(keyHash: string): Promise<ApiKeyRecord | null> {
    const row = await this.db.q.get('SELECT * FROM api_keys WHERE key_hash = ?', [keyHash]);
    return row ? toKey(row) : null;
  }

  /** True when the key exists (revoked now or before). */
  async revoke(keyId: string, now: number): Promise<boolean> {
    if ((await this.db.q.run('UPDATE api_keys SET revoked_at = ? WHERE key_id = ? AND revoked_at IS NULL', [now, keyId])) > 0) return true;
    return (await this.db.q.get('SELECT 1 FROM api_keys WHERE key_id = ?', [keyId])) !== undefined;
  }

  async list(): Promise<ApiKeyRecord[]> {
    return (await this.db.q.all('SELECT * FROM api_keys ORDER BY created_at, key_id')).map(toKey);
  }
}
