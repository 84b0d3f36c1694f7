// API keys: stored hashed, looked up per request, revoked.

import type { ApiKeyRecord } from '../store.ts';

export interface KeyStore {
  insertKey(key: ApiKeyRecord): Promise<void>;
  findKeyByHash(keyHash: string): Promise<ApiKeyRecord | null>;
  revokeKey(keyId: string, now: number): Promise<boolean>;
  listKeys(): Promise<ApiKeyRecord[]>;
}
