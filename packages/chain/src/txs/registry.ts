// Every transaction type, in one list: a new type is one module (see types.ts) and one entry
// here. Admission, block production, block import, the block's receipts and the store find a
// transaction's rules through this registry, never by testing its type themselves.

import { TxRejectedError } from '../errors.ts';
import { checkTxSignature, type SignedTx } from '../tx.ts';
import { anchorProof } from './anchor-proof.ts';
import { bond } from './bond.ts';
import { COMMON_FIELDS, commonShapeProblem } from './common.ts';
import { settle } from './settle.ts';
import { slash } from './slash.ts';
import { transfer } from './transfer.ts';
import { unbond } from './unbond.ts';
import type { TxEffects, TxOutcome, TxType } from './types.ts';

export const TX_TYPES = [transfer, settle, anchorProof, bond, unbond, slash] as const;

type BodyOf<Kind> = Kind extends TxType<infer Body> ? Body : never;
/** A transaction body of any registered type. */
export type TxBody = BodyOf<(typeof TX_TYPES)[number]>;

const byName = new Map<string, TxType<TxBody>>(TX_TYPES.map((kind) => [kind.type, kind as TxType<TxBody>]));
const quoted = TX_TYPES.map((kind) => `'${kind.type}'`);
const TYPE_LIST = `${quoted.slice(0, -1).join(', ')} or ${quoted.at(-1)}`;

/** The rules of a (well-formed) body's type. */
export function txType(body: TxBody): TxType<TxBody> {
  return byName.get(body.type)!;
}

export const txClaims = (body: TxBody): string[] => txType(body).claims(body);
export const txEffects = (body: TxBody, outcome?: TxOutcome): TxEffects => txType(body).effects(body, outcome);

/**
 * Every address a transaction touches, each once: its sender, its recipient, what it credits and
 * what it paid when it ran (the account histories of `GET /rpc/accounts/{address}/txs`). The
 * block's proposer, paid every fee, is left out: its history would be every transaction.
 */
export function txParties(body: TxBody, outcome?: TxOutcome): string[] {
  const kind = txType(body);
  const effects = kind.effects(body, outcome);
  const credited = kind.credits(body).map((credit) => credit.address);
  return [...new Set([body.from, ...(effects.recipient === undefined ? [] : [effects.recipient]), ...credited, ...(effects.payees ?? [])])];
}

export type TxShape = { ok: true; tx: SignedTx } | { ok: false; field: string; problem: string };

/** The `field` of a refusal that is about the whole transaction (not an object at all). */
export const WHOLE_TX_FIELD = 'tx';

/** Checks every field's presence and form; `field` names the first one wrong. */
export function validateTxShape(value: unknown): TxShape {
  const fail = (field: string, problem: string): TxShape => ({ ok: false, field, problem });
  if (typeof value !== 'object' || value === null) return fail(WHOLE_TX_FIELD, 'must be an object {body, signature}');
  const { body, signature } = value as { body?: Record<string, unknown>; signature?: unknown };
  if (typeof signature !== 'string') return fail('signature', 'must be a base64url string');
  if (typeof body !== 'object' || body === null) return fail('body', 'must be an object');
  const kind = typeof body.type === 'string' ? byName.get(body.type) : undefined;
  if (!kind) return fail('body.type', `must be ${TYPE_LIST}`);
  const allowed = new Set<string>([...COMMON_FIELDS, ...kind.fields]);
  for (const key of Object.keys(body)) if (!allowed.has(key)) return fail(`body.${key}`, `is not a ${kind.type} field`);
  const problem = commonShapeProblem(body) ?? kind.shapeProblem(body);
  return problem ? { ok: false, ...problem } : { ok: true, tx: value as SignedTx };
}

/** What needs no state: form, chain id and signature. Throws TxRejectedError. */
/** `signatures`: a node's record of those it verified (verified-signatures.ts). */
export function checkTxForm(value: unknown, chainId: string, signatures?: { check(tx: SignedTx): boolean }): SignedTx {
  const shape = validateTxShape(value);
  if (!shape.ok) throw new TxRejectedError('CHAIN_TX_INVALID_FORMAT', `${shape.field} ${shape.problem}`, {}, shape.field);
  const tx = shape.tx;
  if (tx.body.chain_id !== chainId) throw new TxRejectedError('CHAIN_TX_WRONG_CHAIN', `chain_id ${tx.body.chain_id} is not this chain (${chainId})`, { chain_id: chainId }, 'body.chain_id');
  if (!(signatures ? signatures.check(tx) : checkTxSignature(tx))) throw new TxRejectedError('CHAIN_TX_INVALID_SIGNATURE', 'the signature does not verify, or public_key is not the key of `from`', {}, 'signature');
  return tx;
}
