// `transfer`: the sender pays `amount` to `to`, with an optional memo.

import { amountProblem, isValidAddress, parseAmount } from '@aitbc/protocol';
import { TRANSFER_MEMO_MAX as MEMO_MAX, type TransferBody } from '@aitbc/protocol/wire';
import type { TxType } from './types.ts';

/** The body's shape is the wire's (@aitbc/protocol/wire), which documents each field. */
export type { TransferBody };

export const transfer: TxType<TransferBody> = {
  type: 'transfer',
  fields: ['to', 'amount', 'memo'],

  shapeProblem(body) {
    if (typeof body.to !== 'string' || !isValidAddress(body.to)) return { field: 'body.to', problem: 'must be an ait1… address' };
    const problem = amountProblem(body.amount);
    if (problem) return { field: 'body.amount', problem };
    if (parseAmount(body.amount as string) === 0n) return { field: 'body.amount', problem: 'must be more than 0' };
    if (body.memo !== undefined && (typeof body.memo !== 'string' || body.memo.length > MEMO_MAX)) return { field: 'body.memo', problem: `must be a string of at most ${MEMO_MAX} characters` };
    return null;
  },

  check() {},
  claims: () => [],
  credits: (body) => [{ address: body.to, amount: parseAmount(body.amount) }],
  effects: (body) => ({ recipient: body.to }),
};
