// `slash`: a coordinator listed in genesis proves a miner key cheated (slash-evidence.ts) and
// takes genesis' `slash_amount` (at most what the key has bonded + unbonding; from the bond
// first, then the unbondings that release soonest). Split: half to `beneficiary` (the harmed
// client's address; the coordinator's clearing address, which credits the client), half in equal
// shares to the bond addresses of the reference keys (a key without a bond: its share to the
// beneficiary); the remainders of the divisions to the beneficiary. A receipt is slashed once, ever.

import { isValidAddress, validateReceiptShape, type Receipt } from '@aitbc/protocol';
import { TxRejectedError } from '../errors.ts';
import { slashAmountMicro } from '../genesis.ts';
import type { SlashPayout, StateOverlay } from '../state.ts';
import type { SlashBody } from '@aitbc/protocol/wire';
import { minerKeyProblem } from './bond-fields.ts';
import { checkSlashEvidence, type SlashEvidence } from './slash-evidence.ts';
import type { ShapeProblem, TxType } from './types.ts';

/** The body's shape is the wire's (@aitbc/protocol/wire), which documents each field. */
export type { SlashBody };

export const SLASH_MAX_REFERENCES = 16;

const slashedClaim = (receiptId: string) => `slashed:${receiptId}`;

function receiptProblem(value: unknown, path: string): ShapeProblem | null {
  const shape = validateReceiptShape(value);
  return shape.ok ? null : { field: `body.${path}${shape.field ? `.${shape.field}` : ''}`, problem: shape.problem };
}

/** What the key has bonded and unbonding, taken from the bond first; returns [from bond, from unbondings]. */
function take(state: StateOverlay, minerKey: string, wanted: bigint): [bigint, bigint] {
  let left = wanted;
  const held = state.bond(minerKey);
  const fromBond = held ? (held.amount < left ? held.amount : left) : 0n;
  if (held && fromBond > 0n) state.putBond({ ...held, amount: held.amount - fromBond });
  left -= fromBond;
  for (const entry of state.unbondingsOfKey(minerKey)) {
    if (left === 0n) break;
    const part = entry.amount < left ? entry.amount : left;
    state.putUnbonding({ ...entry, amount: entry.amount - part });
    left -= part;
  }
  return [fromBond, wanted - fromBond - left];
}

const slashable = (state: StateOverlay, minerKey: string) => (state.bond(minerKey)?.amount ?? 0n) + state.unbondingsOfKey(minerKey).reduce((sum, entry) => sum + entry.amount, 0n);

export const slash: TxType<SlashBody> = {
  type: 'slash',
  fields: ['miner_key', 'receipt', 'references', 'reference_keys', 'beneficiary'],

  shapeProblem(body) {
    const keyProblem = minerKeyProblem(body.miner_key);
    if (keyProblem) return { field: 'body.miner_key', problem: keyProblem };
    const problem = receiptProblem(body.receipt, 'receipt');
    if (problem) return problem;
    if (!Array.isArray(body.references) || body.references.length > SLASH_MAX_REFERENCES) return { field: 'body.references', problem: `must list at most ${SLASH_MAX_REFERENCES} receipts` };
    for (const [i, reference] of body.references.entries()) {
      const referenceProblem = receiptProblem(reference, `references.${i}`);
      if (referenceProblem) return referenceProblem;
    }
    const keys = body.reference_keys;
    if (typeof keys !== 'object' || keys === null || Array.isArray(keys)) return { field: 'body.reference_keys', problem: 'must map miner ids to public keys' };
    for (const [minerId, key] of Object.entries(keys)) {
      const problem = minerKeyProblem(key);
      if (problem) return { field: `body.reference_keys.${minerId}`, problem };
    }
    if (typeof body.beneficiary !== 'string' || !isValidAddress(body.beneficiary)) return { field: 'body.beneficiary', problem: 'must be an ait1… address' };
    return null;
  },

  check(body, { genesis, store }, claimed, state) {
    if (!genesis.coordinators.includes(body.public_key)) throw new TxRejectedError('CHAIN_TX_NOT_COORDINATOR', 'the signer is not a coordinator listed in genesis', {}, 'body.public_key');
    checkSlashEvidence(body, genesis.chain_id, body.public_key);
    const id = body.receipt.receipt_id;
    if (claimed.has(slashedClaim(id)) || store.receiptSlash(id)) throw new TxRejectedError('CHAIN_TX_ALREADY_SLASHED', `receipt ${id} was already slashed`, { receipt_id: id }, 'body.receipt.receipt_id');
    if (slashable(state, body.miner_key) === 0n) throw new TxRejectedError('CHAIN_TX_SLASH_NOTHING_BONDED', `nothing is bonded or unbonding on miner key ${body.miner_key}`, { miner_key: body.miner_key }, 'body.miner_key');
  },

  claims: (body) => [slashedClaim(body.receipt.receipt_id)],
  credits: () => [],

  apply(body, state, { hash }, { genesis }) {
    const bondAddress = state.ownerOf(body.miner_key)!;
    const total = slashable(state, body.miner_key);
    const limit = slashAmountMicro(genesis);
    const amount = total < limit ? total : limit;
    // Owners are read before taking: the reference keys' bonds are not changed by this slash.
    const verifierAddresses = body.references.map((reference: Receipt) => state.ownerOf(body.reference_keys[reference.miner_id]!));
    const [fromBond, fromUnbonding] = take(state, body.miner_key, amount);
    const share = amount / 2n / BigInt(verifierAddresses.length);
    const payouts: SlashPayout[] = [];
    for (const address of verifierAddresses) if (address !== null && share > 0n) payouts.push({ address, amount: share, role: 'verifier' });
    const toVerifiers = payouts.reduce((sum, payout) => sum + payout.amount, 0n);
    payouts.unshift({ address: body.beneficiary, amount: amount - toVerifiers, role: 'beneficiary' });
    for (const payout of payouts) state.credit(payout.address, payout.amount);
    state.slashes.push({ receipt_id: body.receipt.receipt_id, tx_hash: hash, miner_key: body.miner_key, bond_address: bondAddress, amount, from_bond: fromBond, from_unbonding: fromUnbonding, beneficiary: body.beneficiary, payouts });
  },

  effects: (body, outcome) => ({ recipient: body.beneficiary, payees: outcome?.slash?.payouts.map((payout) => payout.address) }),
};
