// API keys: created by an admin, shown once, stored only as a SHA-256 hash (keys are 256-bit
// random, so a plain hash is enough: there is nothing to brute-force), expirable and revocable.

import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { ApiError, newId } from '@aitbc/protocol';
import type { ApiKeyRecord, KeyStore, Scope } from '../store/store.ts';
import type { CacheInvalidation } from './cache-invalidation.ts';
import type { Principal } from './principal.ts';
import { RecordCache } from './record-cache.ts';

export const KEY_PREFIX = 'aitbc_';
/** The principal of the bootstrap admin key given on the command line. */
export const BOOTSTRAP_KEY_ID = 'key-bootstrap-admin';

export function hashKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

export interface NewKeyInput {
  scopes: Scope[];
  account?: string | undefined;
  expiresAt?: number | undefined;
  rateLimitPerMinute?: number | undefined;
  dailyJobQuota?: number | undefined;
}

export class KeyService {
  private readonly adminKeyHash: Buffer | null;
  /**
   * Key records by hash: every authenticated request needs one. Revocation drops the entry (here
   * at once, elsewhere over the bus); expiry is checked against the record on every request.
   */
  private readonly cache: RecordCache<ApiKeyRecord>;

  constructor(
    private readonly store: KeyStore,
    adminKey: string | null,
    private readonly now: () => number,
    private readonly invalidation: CacheInvalidation | null = null,
    cacheMs = 0,
  ) {
    this.adminKeyHash = adminKey ? Buffer.from(hashKey(adminKey), 'hex') : null;
    this.cache = new RecordCache(cacheMs);
    invalidation?.on('key', (keyId) => this.cache.invalidate(keyId === null ? undefined : (_hash, record) => record.keyId === keyId));
  }

  async create(input: NewKeyInput): Promise<{ record: ApiKeyRecord; key: string }> {
    const now = this.now();
    if (input.expiresAt !== undefined && input.expiresAt <= now) {
      throw new ApiError('VALIDATION_OUT_OF_RANGE', "Field 'expires_at' must be in the future", { field: 'expires_at' });
    }
    const key = KEY_PREFIX + randomBytes(32).toString('base64url');
    const keyId = newId('key');
    const record: ApiKeyRecord = {
      keyId,
      keyHash: hashKey(key),
      scopes: [...new Set(input.scopes)],
      // A key without an account spends from an account of its own.
      account: input.account ?? keyId,
      rateLimitPerMinute: input.rateLimitPerMinute ?? null,
      dailyJobQuota: input.dailyJobQuota ?? null,
      expiresAt: input.expiresAt ?? null,
      createdAt: now,
      revokedAt: null,
    };
    await this.store.insertKey(record);
    return { record, key };
  }

  async revoke(keyId: string): Promise<void> {
    const found = await this.store.revokeKey(keyId, this.now());
    // Dropped even when not found: nothing to lose, and no stale copy can survive a retry.
    if (this.invalidation) await this.invalidation.changed('key', keyId);
    else this.cache.invalidate((_hash, record) => record.keyId === keyId);
    if (!found) {
      // The seed has no KEY_NOT_FOUND; an unknown id is a bad value of the path's key_id.
      throw new ApiError('VALIDATION_INVALID_FORMAT', `No key with id ${keyId}; list keys with GET /v1/admin/keys`, { field: 'key_id' });
    }
  }

  list(): Promise<ApiKeyRecord[]> {
    return this.store.listKeys();
  }

  /** The principal for a presented key, or the seed's AUTH_* error. */
  async authenticate(presented: string | undefined): Promise<Principal> {
    if (!presented) {
      throw new ApiError('AUTH_MISSING_KEY', 'API key is required for this endpoint: send it as X-Api-Key or Authorization: Bearer');
    }
    const digest = hashKey(presented);
    if (this.adminKeyHash && timingSafeEqual(this.adminKeyHash, Buffer.from(digest, 'hex'))) {
      return { keyId: BOOTSTRAP_KEY_ID, scopes: ['admin'], account: 'admin', rateLimitPerMinute: null, dailyJobQuota: null, expiresAt: null, createdAt: null };
    }
    const record = await this.cache.get(digest, () => this.store.findKeyByHash(digest));
    if (!record || record.revokedAt !== null) {
      throw new ApiError('AUTH_INVALID_KEY', 'API key is invalid or revoked; check the key or ask an admin for a new one');
    }
    if (record.expiresAt !== null && record.expiresAt <= this.now()) {
      throw new ApiError('AUTH_EXPIRED_KEY', `API key ${record.keyId} expired at ${new Date(record.expiresAt).toISOString()}; ask an admin for a new one`);
    }
    return {
      keyId: record.keyId,
      scopes: record.scopes,
      account: record.account,
      rateLimitPerMinute: record.rateLimitPerMinute,
      dailyJobQuota: record.dailyJobQuota,
      expiresAt: record.expiresAt,
      createdAt: record.createdAt,
    };
  }
}

export function requireScope(principal: Principal, scope: Scope): void {
  if (!principal.scopes.includes(scope)) {
    throw new ApiError('AUTH_INSUFFICIENT_SCOPE', `This endpoint needs a key with scope '${scope}'; this key has ${principal.scopes.map((s) => `'${s}'`).join(', ')}`);
  }
}
