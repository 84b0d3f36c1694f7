// What a coordinator says about itself: health, and the keys and chain a client pins.

import { Type, type Static } from 'typebox';
import { ChainStatus, Nullable } from './common.ts';

export const Health = Type.Object({
  status: Type.Literal('ok'),
  version: Type.String(),
  uptime_s: Type.Integer(),
  db: Type.Literal('ok'),
  chain: ChainStatus,
});

export const CoordinatorInfo = Type.Object({
  public_key: Type.String({ description: 'base64url Ed25519 key that co-signs every receipt; pin it' }),
  chain_id: Type.String(),
  version: Type.String(),
  clearing_address: Type.Optional(Type.String({ description: 'With a chain: deposit here (a transfer whose memo is your account name)' })),
});

export type Health = Static<typeof Health>;
export type CoordinatorInfo = Static<typeof CoordinatorInfo>;

/** GET /web-config.json on the coordinator and the chain node: where the web app finds each server (null: none). */
export const WebConfig = Type.Object({
  coordinator_url: Nullable(Type.String({ description: 'Base URL of the coordinator API, or null when this server knows none' })),
  chain_url: Nullable(Type.String({ description: 'Base URL of a chain node RPC, or null when this server knows none' })),
});

export type WebConfig = Static<typeof WebConfig>;
