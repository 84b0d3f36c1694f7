// The rules every transaction type shares: the common fields' form, and payment: the sender's
// nonce must be its next one and its balance must cover what the type pays (and locks in a bond)
// plus the fee, which goes to the block's proposer.

import { amountProblem, formatAmount, isValidAddress, parseAmount } from '@aitbc/protocol';
import { TxRejectedError } from '../errors.ts';
import type { StateOverlay } from '../state.ts';
import type { TxCommon } from '../tx.ts';
import type { Credit, ShapeProblem } from './types.ts';

export const COMMON_FIELDS = ['type', 'chain_id', 'from', 'public_key', 'fee', 'nonce'] as const;

export function commonShapeProblem(body: Record<string, unknown>): ShapeProblem | null {
  const problem = (field: string, text: string): ShapeProblem => ({ field, problem: text });
  if (typeof body.chain_id !== 'string' || body.chain_id.length === 0) return problem('body.chain_id', 'must be a non-empty string');
  if (typeof body.from !== 'string' || !isValidAddress(body.from)) return problem('body.from', 'must be an ait1… address');
  if (typeof body.public_key !== 'string') return problem('body.public_key', 'must be a base64url public key');
  const feeProblem = amountProblem(body.fee);
  if (feeProblem) return problem('body.fee', feeProblem);
  if (!Number.isSafeInteger(body.nonce) || (body.nonce as number) < 0) return problem('body.nonce', 'must be a non-negative integer');
  return null;
}

/** Moves the credits, the locked amount and the fee from the sender and takes its nonce, or throws TxRejectedError. */
export function chargeSender(overlay: StateOverlay, body: TxCommon, credits: Credit[], feeRecipient: string, locked = 0n): void {
  const sender = overlay.get(body.from);
  if (body.nonce !== sender.nonce) throw new TxRejectedError('CHAIN_TX_INVALID_NONCE', `nonce ${body.nonce} is not the sender's next nonce ${sender.nonce}`, { expected_nonce: sender.nonce }, 'body.nonce');
  const fee = parseAmount(body.fee);
  const total = credits.reduce((sum, credit) => sum + credit.amount, locked);
  if (sender.balance < total + fee) {
    const [balance, needed] = [formatAmount(sender.balance), formatAmount(total + fee)];
    throw new TxRejectedError('CHAIN_TX_INSUFFICIENT_BALANCE', `balance ${balance} does not cover amount + fee ${needed}`, { balance, needed });
  }
  overlay.put(body.from, { balance: sender.balance - total - fee, nonce: sender.nonce + 1 });
  for (const credit of credits) overlay.credit(credit.address, credit.amount);
  if (fee > 0n) overlay.credit(feeRecipient, fee);
}
