// Money on the wire: a client account's balances, credits, a miner's earnings and withdrawals to
// the chain. Amounts are decimal strings of AITBC.

import { Type, type Static } from 'typebox';
import { AccountName, Amount, Nullable, Timestamp } from './common.ts';

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

/** `days`: how many UTC days back, today included (default 30, at most 366). */
export const DaysQuery = Type.Object({ days: Type.Optional(Type.Integer({ minimum: 1, maximum: 366, default: 30 })) }, { additionalProperties: false });

const Day = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'A UTC day, YYYY-MM-DD' });

export const EarningsSeriesView = Type.Object({
  miner_id: Type.String(),
  days: Type.Array(
    Type.Object({
      day: Day,
      model: Type.String(),
      jobs: Type.Integer(),
      units: Type.Integer({ description: 'prompt + completion tokens' }),
      earned: { ...Amount, description: 'The prices of the receipts made that day for this model' },
    }),
    { description: 'Days and models with receipts only, oldest first' },
  ),
  held: EarningsView.properties.held,
  earned: { ...Amount, description: 'Released from the acceptance window and not yet claimed' },
  claimed: { ...Amount, description: 'Claimed, awaiting settlement on chain' },
  settled: EarningsView.properties.settled,
  payouts: Type.Array(
    Type.Object({
      outbox_id: Type.Integer(),
      state: Type.String({ description: 'queued → pending → sent → final; failed or duplicate' }),
      tx_hash: Nullable(Type.String()),
      block_height: Nullable(Type.Integer()),
      amount: { ...Amount, description: "This miner's part of the settlement" },
      receipts: Type.Integer({ description: "This miner's receipts in it" }),
      at: { ...Timestamp, description: 'When the settlement last changed state (for a final one: when it was seen final)' },
    }),
    { description: 'Settlements carrying this miner’s receipts, newest first, up to 50' },
  ),
});

export const SpendSeriesView = Type.Object({
  account: Type.String(),
  days: Type.Array(Type.Object({ day: Day, jobs: Type.Integer(), spent: { ...Amount, description: 'The prices of the jobs completed that day' } }), { description: 'Days with completed jobs only, oldest first' }),
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
export type DaysQuery = Static<typeof DaysQuery>;
export type EarningsSeriesView = Static<typeof EarningsSeriesView>;
export type SpendSeriesView = Static<typeof SpendSeriesView>;
export type WithdrawBody = Static<typeof WithdrawBody>;
export type WithdrawalView = Static<typeof WithdrawalView>;
