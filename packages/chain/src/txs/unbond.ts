// `unbond`: the bond's address moves `amount` of a key's bond to an unbonding entry, which stays
// slashable and returns to its balance in the block at `unbonding_delay_blocks` above this one
// (genesis.ts; released before that block's transactions run).

import { formatAmount, parseAmount } from '@aitbc/protocol';
import { TxRejectedError } from '../errors.ts';
import { unbondingDelayBlocks } from '../genesis.ts';
import type { UnbondBody } from '@aitbc/protocol/wire';
import { bondFieldsProblem } from './bond-fields.ts';
import type { TxType } from './types.ts';

/** The body's shape is the wire's (@aitbc/protocol/wire), which documents each field. */
export type { UnbondBody };

export const unbond: TxType<UnbondBody> = {
  type: 'unbond',
  fields: ['amount', 'miner_key'],
  shapeProblem: bondFieldsProblem,

  check(body, _environment, _claimed, state) {
    const held = state.bond(body.miner_key);
    const bonded = held?.address === body.from ? held.amount : 0n;
    if (parseAmount(body.amount) > bonded) {
      throw new TxRejectedError('CHAIN_TX_UNBOND_EXCEEDS_BOND', `${body.from} has ${formatAmount(bonded)} AITBC bonded on miner key ${body.miner_key}`, { miner_key: body.miner_key, bonded: formatAmount(bonded) }, 'body.amount');
    }
  },

  claims: () => [],
  credits: () => [],

  apply(body, state, { height, hash }, { genesis }) {
    const amount = parseAmount(body.amount);
    const held = state.bond(body.miner_key)!;
    state.putBond({ ...held, amount: held.amount - amount });
    state.putUnbonding({ id: hash, miner_key: body.miner_key, address: body.from, amount, release_height: height + unbondingDelayBlocks(genesis) });
  },

  effects: () => ({}),
};
