// `settle`: a coordinator settles co-signed receipts: it pays each receipt's price to the
// receipt's provider from its own balance. The node re-verifies every receipt (the coordinator's
// signature with the signer's key, which genesis must list; the miner's with the key named
// here), checks that the payouts are exactly the receipts' prices per provider, and refuses a
// receipt it has seen settled before. The block keeps the receipts (receipt_root).

import { amountProblem, base64urlDecode, computeReceiptId, formatAmount, isValidAddress, parseAmount, validateReceiptShape, verifyReceiptSignature, type Receipt } from '@aitbc/protocol';
import { TxRejectedError } from '../errors.ts';
import type { SettleBody } from '@aitbc/protocol/wire';
import type { TxType } from './types.ts';

/** The body's shape is the wire's (@aitbc/protocol/wire), which documents each field. */
export type { SettleBody };

export const SETTLE_MAX_RECEIPTS = 500;

const settledClaim = (receiptId: string) => `settled:${receiptId}`;

export const settle: TxType<SettleBody> = {
  type: 'settle',
  fields: ['miner_keys', 'receipts', 'payouts'],

  shapeProblem(body) {
    if (typeof body.miner_keys !== 'object' || body.miner_keys === null || Array.isArray(body.miner_keys)) return { field: 'body.miner_keys', problem: 'must map miner ids to public keys' };
    if (!Array.isArray(body.receipts) || body.receipts.length === 0 || body.receipts.length > SETTLE_MAX_RECEIPTS) return { field: 'body.receipts', problem: `must list 1–${SETTLE_MAX_RECEIPTS} receipts` };
    for (const [i, receipt] of body.receipts.entries()) {
      const shape = validateReceiptShape(receipt);
      if (!shape.ok) return { field: `body.receipts.${i}.${shape.field}`, problem: shape.problem };
    }
    if (!Array.isArray(body.payouts)) return { field: 'body.payouts', problem: 'must be a list' };
    for (const [i, payout] of (body.payouts as unknown[]).entries()) {
      const entry = payout as { address?: unknown; amount?: unknown };
      if (typeof entry?.address !== 'string' || !isValidAddress(entry.address)) return { field: `body.payouts.${i}.address`, problem: 'must be an ait1… address' };
      const problem = amountProblem(entry.amount);
      if (problem) return { field: `body.payouts.${i}.amount`, problem };
    }
    return null;
  },

  check(body, { genesis, store }, claimed) {
    if (!genesis.coordinators.includes(body.public_key)) throw new TxRejectedError('CHAIN_TX_NOT_COORDINATOR', 'the signer is not a coordinator listed in genesis', {}, 'body.public_key');
    const coordinatorKey = base64urlDecode(body.public_key);
    const owed = new Map<string, bigint>();
    const seen = new Set<string>();
    for (const [i, receipt] of body.receipts.entries()) {
      const id = receipt.receipt_id;
      const invalid = (field: string, reason: string) => new TxRejectedError('CHAIN_TX_RECEIPT_INVALID', `receipt ${id}${reason}`, { receipt_id: id }, `body.${field}`);
      if (receipt.chain_id !== genesis.chain_id) throw invalid(`receipts.${i}.chain_id`, ` is for chain ${receipt.chain_id}`);
      if (computeReceiptId(receipt) !== id) throw invalid(`receipts.${i}.receipt_id`, ': receipt_id does not match its contents');
      if (!verifyReceiptSignature(receipt, 'coordinator', coordinatorKey)) throw invalid(`receipts.${i}.signatures`, ': no valid signature of the settling coordinator');
      const minerKey = body.miner_keys[receipt.miner_id];
      if (!minerKey) throw invalid('miner_keys', `: miner_keys has no key for miner ${receipt.miner_id}`);
      if (!verifyReceiptSignature(receipt, 'miner', base64urlDecode(minerKey))) throw invalid(`receipts.${i}.signatures`, `: the miner signature does not verify with the key named for ${receipt.miner_id}`);
      if (seen.has(id) || claimed.has(settledClaim(id)) || store.receipt(id)) {
        throw new TxRejectedError('CHAIN_TX_RECEIPT_ALREADY_SETTLED', `receipt ${id} was already settled`, { receipt_id: id }, `body.receipts.${i}`);
      }
      seen.add(id);
      owed.set(receipt.provider, (owed.get(receipt.provider) ?? 0n) + parseAmount(receipt.price));
    }
    const expected = [...owed].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([address, amount]) => ({ address, amount: formatAmount(amount) }));
    if (JSON.stringify(expected) !== JSON.stringify(body.payouts)) {
      throw new TxRejectedError('CHAIN_TX_PAYOUTS_MISMATCH', `payouts must be exactly the receipts' prices per provider, sorted by address: ${JSON.stringify(expected)}`, { expected }, 'body.payouts');
    }
  },

  claims: (body) => body.receipts.map((receipt) => settledClaim(receipt.receipt_id)),
  credits: (body) => body.payouts.map((payout) => ({ address: payout.address, amount: parseAmount(payout.amount) })),
  effects: (body) => ({ settles: body.receipts }),
};
