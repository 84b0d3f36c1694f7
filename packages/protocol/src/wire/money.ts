// Money on the wire: a client account's balances, credits, a miner's earnings and withdrawals to
// the chain. Amounts are decimal strings of AITBC.

import { Type, type Static } from 'typebox';
import { AccountName, Amount, Timestamp } from './common.ts';

export const AccountView = Type.Object({
  account: Type.String(),
  available: Amount,
  escrowed: Amount,
  withdrawing: { ...Amount, description: 'Asked to withdraw; leaves the account once the transfer is final on chain' },
  disputable: { ...Amount, description: 'The prices of its completed jobs still inside their acceptance window and not disputed' },
});
export const AccountParams = Type.Object({ account: AccountName });
export const CreditBody = Type.Object({ amount: Amount }, { additionalProperties: false });

export const EarningsView = Type.Object({
  miner_id: Type.String(),
  held: { ...Amount, description: 'Earned by jobs still inside their acceptance window, or under dispute: not claimable yet' },
  earned: Amount,
  claimed: Amount,
  unclaimed_receipts: Type.Integer(),
  settled: { ...Amount, description: 'Paid on chain to the payout address' },
});

export const WithdrawBody = Type.Object(
  {
    to: Type.String({ description: 'ait1… address the AITBC go to' }),
    amount: Amount,
  },
  { additionalProperties: false },
);

export const WithdrawalView = Type.Object({
  withdrawal_id: Type.Integer(),
  account: Type.String(),
  to: Type.String(),
  amount: Amount,
  status: Type.String({ description: 'queued until signed and sent; final once in a final block; failed (refunded) if the chain refuses it' }),
  available: { ...Amount, description: 'What is left available after the withdrawal was set aside' },
  created_at: Timestamp,
});

export type AccountView = Static<typeof AccountView>;
export type AccountParams = Static<typeof AccountParams>;
export type CreditBody = Static<typeof CreditBody>;
export type EarningsView = Static<typeof EarningsView>;
export type WithdrawBody = Static<typeof WithdrawBody>;
export type WithdrawalView = Static<typeof WithdrawalView>;
