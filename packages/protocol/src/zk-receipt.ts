// A receipt as field elements for the `receipt_simple` circuit (packages/zk), and what a verifier
// of its proof checks: the Poseidon commitment to the whole receipt and the public facts.
// Encoding, field by field in docs/RECEIPTS.md order:
//   strings (ids, addresses, model, hashes, nonce, unit_type) → the first 31 bytes of
//     SHA-256(UTF-8) as a big-endian integer (248 bits, always below the field order);
//   units, started_at, completed_at → the integer; unit_price, price → µAIT; version → 1 or 2.
// Version 2 keeps the same 17 elements, so the circuit and its trusted setup are unchanged: its
// `model` element encodes what ran, the text JCS({backend, model, model_digest, params_hash})
// hashed as any string is, and `version` (2) tells a verifier which encoding the element uses.
// commitment = Poseidon(Poseidon(first 9 fields), Poseidon(last 8 fields)).
// Public signals, in the circuit's order: commitment, job_id, provider, price (µAIT), units.

import { cryptoBackend } from './crypto-backend.ts';
import { utf8 } from './encoding.ts';
import { canonicalize } from './jcs.ts';
import { parseAmount } from './money.ts';
import { poseidonHash } from './poseidon.ts';
import { RECEIPT_FIELDS, type UnsignedReceipt } from './receipt.ts';

export const ZK_PUBLIC_SIGNALS = ['commitment', 'job_id', 'provider', 'price', 'units'] as const;
export type ZkPublicSignalName = (typeof ZK_PUBLIC_SIGNALS)[number];

const NUMERIC = new Set(['version', 'units', 'started_at', 'completed_at']);
const AMOUNTS = new Set(['unit_price', 'price']);

/** A string as a field element: the first 31 bytes of its SHA-256. */
export function textToField(text: string): bigint {
  const digest = cryptoBackend().sha256(utf8(text));
  let value = 0n;
  for (const byte of digest.subarray(0, 31)) value = (value << 8n) | BigInt(byte);
  return value;
}

/** The text the `model` element hashes: the model alone in version 1, the model and what ran in version 2. */
export function zkModelText(receipt: UnsignedReceipt): string {
  if (receipt.version !== 2) return receipt.model;
  const { model, model_digest, backend, params_hash } = receipt;
  if (model_digest === undefined || backend === undefined || params_hash === undefined) throw new TypeError(`version 2 receipt ${receipt.receipt_id} lacks model_digest, backend or params_hash`);
  return canonicalize({ backend, model, model_digest, params_hash });
}

/** Every receipt field (signatures aside) as a field element, in docs/RECEIPTS.md order. */
export function receiptFieldElements(receipt: UnsignedReceipt): Record<(typeof RECEIPT_FIELDS)[number], bigint> {
  const out = {} as Record<(typeof RECEIPT_FIELDS)[number], bigint>;
  for (const field of RECEIPT_FIELDS) {
    const value = receipt[field];
    if (AMOUNTS.has(field)) out[field] = parseAmount(value as string);
    else if (NUMERIC.has(field)) out[field] = BigInt(value as string | number);
    else if (field === 'model') out[field] = textToField(zkModelText(receipt));
    else out[field] = textToField(value as string);
  }
  return out;
}

/** The commitment over field elements already encoded (the prover has them at hand). */
export function commitFieldElements(elements: Record<(typeof RECEIPT_FIELDS)[number], bigint>): bigint {
  const fields = RECEIPT_FIELDS.map((field) => elements[field]);
  return poseidonHash([poseidonHash(fields.slice(0, 9)), poseidonHash(fields.slice(9))]);
}

/** Poseidon commitment to the whole receipt; anyone holding the receipt recomputes it. */
export function receiptCommitment(receipt: UnsignedReceipt): bigint {
  return commitFieldElements(receiptFieldElements(receipt));
}

/** The public signals a proof for this receipt must carry, as decimal strings (snarkjs' form). */
export function receiptPublicSignals(receipt: UnsignedReceipt): string[] {
  const fields = receiptFieldElements(receipt);
  return [commitFieldElements(fields), fields.job_id, fields.provider, fields.price, fields.units].map(String);
}
