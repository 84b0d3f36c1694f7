// Chain transactions: typed bodies, Ed25519-signed over a domain tag and the canonical (RFC 8785)
// bytes of the body, which carries the chain id, so a signature is valid on one chain only.
// The hash covers the unsigned body. Types: `transfer`, `settle`, `anchor_proof`.

import type { Groth16Proof, Receipt } from '@aitbc/protocol';
import { addressFromPublicKey, base64urlDecode, base64urlEncode, canonicalize, amountProblem, isValidAddress, publicKeyFromSecret, sha256Hex, sign, utf8, validateReceiptShape, verify } from '@aitbc/protocol';

export const TX_DOMAIN_TAG = 'AITBC-TX-v1\n';

/** What every transaction body carries. */
interface TxCommon {
  chain_id: string;
  /** Sender address; must be the address of `public_key`. */
  from: string;
  public_key: string;
  /** AITBC, canonical decimal string, paid to the block's proposer. */
  fee: string;
  /** The sender's next nonce (0 for a new account). */
  nonce: number;
}

export interface TransferBody extends TxCommon {
  type: 'transfer';
  to: string;
  /** AITBC, canonical decimal string. */
  amount: string;
  memo?: string;
}

/**
 * A coordinator settles co-signed receipts: it pays each receipt's price to the receipt's
 * provider from its own balance. The node re-verifies every receipt (the coordinator's signature
 * with the signer's key, which genesis must list; the miner's with the key named here), checks
 * that the payouts are exactly the receipts' prices per provider, and refuses a receipt it has
 * seen before.
 */
export interface SettleBody extends TxCommon {
  type: 'settle';
  /** miner_id → base64url public key the miner signed with. */
  miner_keys: Record<string, string>;
  receipts: Receipt[];
  /** One entry per provider address, sorted by address. */
  payouts: { address: string; amount: string }[];
}

/**
 * Anyone may anchor a Groth16 proof of a settled receipt (packages/zk's receipt_simple circuit).
 * The node checks the public signals against the receipt it holds (commitment, job id, provider,
 * price, units) and the proof against genesis' `zk_receipt_vkey`; the receipt is then proven.
 */
export interface AnchorProofBody extends TxCommon {
  type: 'anchor_proof';
  receipt_id: string;
  proof: Groth16Proof;
  public_signals: string[];
}

export type TxBody = TransferBody | SettleBody | AnchorProofBody;

export interface SignedTx {
  body: TxBody;
  /** base64url Ed25519 signature over the tx signing bytes. */
  signature: string;
}

export function txHash(body: TxBody): string {
  return sha256Hex(canonicalize(body));
}

export function txSigningBytes(body: TxBody): Uint8Array {
  return utf8(TX_DOMAIN_TAG + canonicalize(body));
}

export function signTx(body: Omit<TxBody, 'public_key' | 'from'>, secretKey: Uint8Array): SignedTx {
  const publicKey = publicKeyFromSecret(secretKey);
  const full = { ...body, from: addressFromPublicKey(publicKey), public_key: base64urlEncode(publicKey) } as TxBody;
  return { body: full, signature: base64urlEncode(sign(txSigningBytes(full), secretKey)) };
}

/** The signature is valid and made by the key whose address is `from`. */
export function checkTxSignature(tx: SignedTx): boolean {
  try {
    const publicKey = base64urlDecode(tx.body.public_key);
    if (publicKey.length !== 32 || addressFromPublicKey(publicKey) !== tx.body.from) return false;
    return verify(base64urlDecode(tx.signature), txSigningBytes(tx.body), publicKey);
  } catch {
    return false;
  }
}

export type TxShape = { ok: true; tx: SignedTx } | { ok: false; field: string; problem: string };

const MEMO_MAX = 256;

const TYPE_FIELDS = {
  transfer: ['to', 'amount', 'memo'],
  settle: ['miner_keys', 'receipts', 'payouts'],
  anchor_proof: ['receipt_id', 'proof', 'public_signals'],
};

/** A field element or coordinate: a decimal string of at most 78 digits. */
const isDecimal = (value: unknown): boolean => typeof value === 'string' && /^(0|[1-9]\d{0,77})$/.test(value);
const isDecimals = (value: unknown, length: number): value is string[] => Array.isArray(value) && value.length === length && value.every(isDecimal);

/** snarkjs' proof JSON: [path suffix, problem] of the first thing wrong, or null. */
function checkProofShape(proof: unknown): [string, string] | null {
  if (typeof proof !== 'object' || proof === null || Array.isArray(proof)) return ['', 'must be a Groth16 proof {pi_a, pi_b, pi_c}'];
  const { pi_a, pi_b, pi_c, protocol, curve, ...rest } = proof as Record<string, unknown>;
  const extra = Object.keys(rest)[0];
  if (extra !== undefined) return [`.${extra}`, 'is not a proof field'];
  if (!isDecimals(pi_a, 3)) return ['.pi_a', 'must be three decimal strings'];
  if (!Array.isArray(pi_b) || pi_b.length !== 3 || !pi_b.every((pair) => isDecimals(pair, 2))) return ['.pi_b', 'must be three pairs of decimal strings'];
  if (!isDecimals(pi_c, 3)) return ['.pi_c', 'must be three decimal strings'];
  if (protocol !== undefined && protocol !== 'groth16') return ['.protocol', "must be 'groth16'"];
  if (curve !== undefined && curve !== 'bn128') return ['.curve', "must be 'bn128'"];
  return null;
}
export const SETTLE_MAX_RECEIPTS = 500;

/** Checks every field's presence and form; `field` names the first one wrong. */
export function validateTxShape(value: unknown): TxShape {
  const fail = (field: string, problem: string): TxShape => ({ ok: false, field, problem });
  if (typeof value !== 'object' || value === null) return fail('tx', 'must be an object {body, signature}');
  const { body, signature } = value as { body?: Record<string, unknown>; signature?: unknown };
  if (typeof signature !== 'string') return fail('signature', 'must be a base64url string');
  if (typeof body !== 'object' || body === null) return fail('body', 'must be an object');
  if (body.type !== 'transfer' && body.type !== 'settle' && body.type !== 'anchor_proof') return fail('body.type', "must be 'transfer', 'settle' or 'anchor_proof'");
  const allowed = new Set(['type', 'chain_id', 'from', 'public_key', 'fee', 'nonce', ...TYPE_FIELDS[body.type]]);
  for (const key of Object.keys(body)) if (!allowed.has(key)) return fail(`body.${key}`, `is not a ${body.type} field`);
  if (typeof body.chain_id !== 'string' || body.chain_id.length === 0) return fail('body.chain_id', 'must be a non-empty string');
  if (typeof body.from !== 'string' || !isValidAddress(body.from)) return fail('body.from', 'must be an ait1… address');
  if (typeof body.public_key !== 'string') return fail('body.public_key', 'must be a base64url public key');
  const feeProblem = amountProblem(body.fee);
  if (feeProblem) return fail('body.fee', feeProblem);
  if (!Number.isSafeInteger(body.nonce) || (body.nonce as number) < 0) return fail('body.nonce', 'must be a non-negative integer');
  if (body.type === 'transfer') {
    if (typeof body.to !== 'string' || !isValidAddress(body.to)) return fail('body.to', 'must be an ait1… address');
    const problem = amountProblem(body.amount);
    if (problem) return fail('body.amount', problem);
    if (body.memo !== undefined && (typeof body.memo !== 'string' || body.memo.length > MEMO_MAX)) return fail('body.memo', `must be a string of at most ${MEMO_MAX} characters`);
    return { ok: true, tx: value as SignedTx };
  }
  if (body.type === 'anchor_proof') {
    if (typeof body.receipt_id !== 'string' || !/^rcpt-[0-9a-f]{32}$/.test(body.receipt_id)) return fail('body.receipt_id', 'must be "rcpt-" and 32 hex digits');
    const proofProblem = checkProofShape(body.proof);
    if (proofProblem) return fail(`body.proof${proofProblem[0]}`, proofProblem[1]);
    const signals = body.public_signals;
    if (!Array.isArray(signals) || signals.length === 0 || signals.length > 16 || !signals.every(isDecimal)) return fail('body.public_signals', 'must list 1–16 decimal strings');
    return { ok: true, tx: value as SignedTx };
  }
  if (typeof body.miner_keys !== 'object' || body.miner_keys === null || Array.isArray(body.miner_keys)) return fail('body.miner_keys', 'must map miner ids to public keys');
  if (!Array.isArray(body.receipts) || body.receipts.length === 0 || body.receipts.length > SETTLE_MAX_RECEIPTS) return fail('body.receipts', `must list 1–${SETTLE_MAX_RECEIPTS} receipts`);
  for (const [i, receipt] of body.receipts.entries()) {
    const shape = validateReceiptShape(receipt);
    if (!shape.ok) return fail(`body.receipts.${i}.${shape.field}`, shape.problem);
  }
  if (!Array.isArray(body.payouts)) return fail('body.payouts', 'must be a list');
  for (const [i, payout] of (body.payouts as unknown[]).entries()) {
    const entry = payout as { address?: unknown; amount?: unknown };
    if (typeof entry?.address !== 'string' || !isValidAddress(entry.address)) return fail(`body.payouts.${i}.address`, 'must be an ait1… address');
    const problem = amountProblem(entry.amount);
    if (problem) return fail(`body.payouts.${i}.amount`, problem);
  }
  return { ok: true, tx: value as SignedTx };
}
