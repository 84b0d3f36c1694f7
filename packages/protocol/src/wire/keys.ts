// API keys on the wire: the admin creates, lists and revokes them; a key's secret is shown once.

import { Type, type Static } from 'typebox';
import { AccountName, Nullable, Timestamp } from './common.ts';

export const SCOPES = ['client', 'miner', 'admin'] as const;
export type Scope = (typeof SCOPES)[number];

export const ScopeName = Type.Unsafe<Scope>({ type: 'string', enum: [...SCOPES] });

export const CreateKeyBody = Type.Object(
  {
    scopes: Type.Array(ScopeName, { minItems: 1, maxItems: 3 }),
    account: Type.Optional({ ...AccountName, description: 'Balance the key spends from; default: an account of its own' }),
    expires_at: Type.Optional(Timestamp),
    rate_limit_per_minute: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000 })),
    daily_job_quota: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000_000 })),
  },
  { additionalProperties: false },
);

export const KeyView = Type.Object({
  key_id: Type.String(),
  scopes: Type.Array(Type.String()),
  account: Type.String(),
  expires_at: Nullable(Timestamp),
  created_at: Timestamp,
  revoked_at: Nullable(Timestamp),
  rate_limit_per_minute: Nullable(Type.Integer()),
  daily_job_quota: Nullable(Type.Integer()),
});

export const CreatedKey = Type.Object({ ...KeyView.properties, key: Type.String({ description: 'Shown once; stored only hashed' }) });

export const KeyList = Type.Object({ items: Type.Array(KeyView) });

/** GET /v1/account/key: the calling key, never its secret. */
export const OwnKeyView = Type.Object({
  key_id: Type.String(),
  scopes: Type.Array(Type.String()),
  account: Type.String(),
  rate_limit_per_minute: Nullable(Type.Integer({ description: "null: the coordinator's default (--default-rate-limit), if any" })),
  daily_job_quota: Nullable(Type.Integer({ description: 'Jobs per UTC day; null: no quota' })),
  used_today: Nullable(Type.Integer({ description: 'Jobs this key submitted today (UTC), as its daily quota counts them; null for a key without a quota (nothing is counted)' })),
  expires_at: Nullable(Timestamp),
  created_at: Nullable({ ...Timestamp, description: 'null for the bootstrap admin key given on the command line' }),
});

export const KeyIdParams = Type.Object({ key_id: Type.String() });

export type CreateKeyBody = Static<typeof CreateKeyBody>;
export type KeyView = Static<typeof KeyView>;
export type CreatedKey = Static<typeof CreatedKey>;
export type KeyList = Static<typeof KeyList>;
export type KeyIdParams = Static<typeof KeyIdParams>;
export type OwnKeyView = Static<typeof OwnKeyView>;
