// Chain transactions: typed bodies, Ed25519-signed over a domain tag and the canonical (RFC 8785)
// bytes of the body, which carries the chain id, so a signature is valid on one chain only.
// The hash covers the unsigned body. `transfer` is the first type; `settle` and `anchor_proof`
// follow.

import { addressFromPublicKey, base64urlDecode, base64urlEncode, canonicalize, isCanonicalAmount, isValidAddress, publicKeyFromSecret, sha256Hex, sign, utf8, verify } from '@aitbc/protocol';

export const TX_DOMAIN_TAG = 'AITBC-TX-v1\n';

export interface TransferBody {
  type: 'transfer';
  chain_id: string;
  /** Sender address; must be the address of `public_key`. */
  from: string;
  public_key: string;
  to: string;
  /** AITBC, canonical decimal string. */
  amount: string;
  fee: string;
  /** The sender's next nonce (0 for a new account). */
  nonce: number;
  memo?: string;
}

export type TxBody = TransferBody;

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

/** Checks every field's presence and form; `field` names the first one wrong. */
export function validateTxShape(value: unknown): TxShape {
  const fail = (field: string, problem: string): TxShape => ({ ok: false, field, problem });
  if (typeof value !== 'object' || value === null) return fail('tx', 'must be an object {body, signature}');
  const { body, signature } = value as { body?: Record<string, unknown>; signature?: unknown };
  if (typeof signature !== 'string') return fail('signature', 'must be a base64url string');
  if (typeof body !== 'object' || body === null) return fail('body', 'must be an object');
  if (body.type !== 'transfer') return fail('body.type', "must be 'transfer'");
  const allowed = new Set(['type', 'chain_id', 'from', 'public_key', 'to', 'amount', 'fee', 'nonce', 'memo']);
  for (const key of Object.keys(body)) if (!allowed.has(key)) return fail(`body.${key}`, 'is not a transfer field');
  if (typeof body.chain_id !== 'string' || body.chain_id.length === 0) return fail('body.chain_id', 'must be a non-empty string');
  for (const field of ['from', 'to'] as const) if (typeof body[field] !== 'string' || !isValidAddress(body[field] as string)) return fail(`body.${field}`, 'must be an ait1… address');
  if (typeof body.public_key !== 'string') return fail('body.public_key', 'must be a base64url public key');
  for (const field of ['amount', 'fee'] as const) if (typeof body[field] !== 'string' || !isCanonicalAmount(body[field] as string)) return fail(`body.${field}`, 'must be a canonical decimal string of AITBC');
  if (!Number.isSafeInteger(body.nonce) || (body.nonce as number) < 0) return fail('body.nonce', 'must be a non-negative integer');
  if (body.memo !== undefined && (typeof body.memo !== 'string' || body.memo.length > MEMO_MAX)) return fail('body.memo', `must be a string of at most ${MEMO_MAX} characters`);
  return { ok: true, tx: value as SignedTx };
}
