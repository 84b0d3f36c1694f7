// What a coordinator says about itself: health, and the keys and chain a client pins.

import { Type, type Static } from 'typebox';
import { ChainStatus } from './common.ts';

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
