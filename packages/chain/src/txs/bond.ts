// `bond`: a miner's payout wallet moves `amount` from its balance into the bond of `miner_key`,
// the key its receipts are signed with; a slash of such a receipt takes from that bond. A key is
// bonded by one address only (while it has a bond or an unbonding); an address may bond several
// keys, and bond a key again to top it up.

import { parseAmount } from '@aitbc/protocol';
import { TxRejectedError } from '../errors.ts';
import type { BondBody } from '@aitbc/protocol/wire';
import { bondFieldsProblem } from './bond-fields.ts';
import type { TxType } from './types.ts';

/** The body's shape is the wire's (@aitbc/protocol/wire), which documents each field. */
export type { BondBody };

export const bond: TxType<BondBody> = {
  type: 'bond',
  fields: ['amount', 'miner_key'],
  shapeProblem: bondFieldsProblem,

  check(body, _environment, _claimed, state) {
    const owner = state.ownerOf(body.miner_key);
    if (owner !== null && owner !== body.from) {
      throw new TxRejectedError('CHAIN_TX_BOND_KEY_TAKEN', `miner key ${body.miner_key} is bonded by ${owner}`, { miner_key: body.miner_key, address: owner }, 'body.miner_key');
    }
  },

  claims: () => [],
  credits: () => [],
  locks: (body) => parseAmount(body.amount),

  apply(body, state) {
    const bonded = state.bond(body.miner_key)?.amount ?? 0n;
    state.putBond({ miner_key: body.miner_key, address: body.from, amount: bonded + parseAmount(body.amount) });
  },

  effects: () => ({}),
};
