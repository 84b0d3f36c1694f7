// Keys (src/store/contract/keys.ts): stored hashed, found by hash, revoked once, listed.

import assert from 'node:assert/strict';
import type { ApiKeyRecord } from '../../src/store/store.ts';
import type { ConformanceArea } from './case.ts';
import { NOW } from './fixtures.ts';

const key = (keyId: string, overrides: Partial<ApiKeyRecord> = {}): ApiKeyRecord => ({
  keyId,
  keyHash: `hash-${keyId}`,
  scopes: ['client'],
  account: `account-${keyId}`,
  rateLimitPerMinute: null,
  dailyJobQuota: null,
  expiresAt: null,
  createdAt: NOW,
  revokedAt: null,
  ...overrides,
});

export const keyCases: ConformanceArea = {
  area: 'keys',
  cases: [
    {
      name: 'a key inserted is found by its hash with every field as given; an unknown hash finds nothing',
      async run({ store }) {
        const full = key('k1', { scopes: ['client', 'miner', 'admin'], rateLimitPerMinute: 60, dailyJobQuota: 100, expiresAt: NOW + 1000 });
        await store.insertKey(full);
        await store.insertKey(key('k2'));
        assert.deepEqual(await store.findKeyByHash('hash-k1'), full);
        assert.deepEqual(await store.findKeyByHash('hash-k2'), key('k2'));
        assert.equal(await store.findKeyByHash('hash-nope'), null);
      },
    },
    {
      name: 'revoke sets revokedAt once (a second revoke keeps the first time), answers false for an unknown key',
      async run({ store }) {
        await store.insertKey(key('k1'));
        assert.equal(await store.revokeKey('k1', NOW + 5), true);
        assert.equal(await store.revokeKey('k1', NOW + 9), true);
        assert.equal((await store.findKeyByHash('hash-k1'))?.revokedAt, NOW + 5);
        assert.equal(await store.revokeKey('nope', NOW), false);
      },
    },
    {
      name: 'listKeys returns every key, oldest first, then by id',
      async run({ store }) {
        await store.insertKey(key('b', { createdAt: NOW }));
        await store.insertKey(key('c', { createdAt: NOW - 1 }));
        await store.insertKey(key('a', { createdAt: NOW }));
        assert.deepEqual((await store.listKeys()).map((k) => k.keyId), ['c', 'a', 'b']);
      },
    },
    {
      name: 'a key inserted through one connection is found through another',
      async run({ store, database }) {
        const [other] = await database.stores(1);
        await store.insertKey(key('k1'));
        assert.equal((await other!.findKeyByHash('hash-k1'))?.keyId, 'k1');
      },
    },
  ],
};
