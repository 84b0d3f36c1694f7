// Receipts on the wire (docs/RECEIPTS.md): the template a miner completes, the signed receipt,
// and the receipt routes' answers. The checks beyond shape (ids, hashes, signatures) are the
// protocol's verifyReceipt; these schemas give the shape, and their Static types are the
// protocol's own Receipt and ReceiptTemplate (see the assertions at the end).

import { Type, type Static } from 'typebox';
import { BACKEND_KINDS, type Receipt as ProtocolReceipt, type ReceiptTemplate as ProtocolReceiptTemplate } from '../receipt.ts';
import { AccountName, Amount, MinerId, Nullable, PageOf, PageQuery, Timestamp, type Same } from './common.ts';

// Enums rather than unions of literals: a serializer picks a union's branch by validating each
// value, and receipts are in every result and every block.
const ReceiptVersion = Type.Unsafe<ProtocolReceipt['version']>({ type: 'integer', enum: [1, 2] });

export const ReceiptSignature = Type.Object({
  alg: Type.Literal('Ed25519'),
  role: Type.Unsafe<ProtocolReceipt['signatures'][number]['role']>({ type: 'string', enum: ['miner', 'coordinator'] }),
  key_id: Type.String({ description: 'base64url public key: a hint only; verification uses pinned keys' }),
  sig: Type.String(),
});

/** Whose job it is and who ran what: the template and the receipt both carry these. */
const JobParties = {
  chain_id: Type.String(),
  job_id: Type.String(),
  client: Type.String({ description: "The client's account" }),
  provider: Type.String({ description: "The miner's payout address (ait1…)" }),
  miner_id: Type.String(),
  model: Type.String(),
};

/** What the coordinator hands a miner with a job; the miner adds what it ran and signs. */
export const ReceiptTemplate = Type.Object({
  version: { ...ReceiptVersion, description: '1, or 2 for a miner that advertised digests: its receipt must add model_digest, backend and params_hash (docs/RECEIPTS.md)' },
  ...JobParties,
  unit_type: Type.Literal('tokens'),
  unit_price: Type.String(),
  nonce: Type.String(),
  prompt_hash: Type.String(),
});

/** A receipt as docs/RECEIPTS.md defines it. */
export const Receipt = Type.Object({
  version: ReceiptVersion,
  receipt_id: Type.String(),
  ...JobParties,
  units: Type.String(),
  unit_type: Type.Literal('tokens'),
  unit_price: Type.String(),
  price: Type.String(),
  prompt_hash: Type.String(),
  output_hash: Type.String(),
  started_at: Type.Integer(),
  completed_at: Type.Integer(),
  nonce: Type.String(),
  model_digest: Type.Optional(Type.String({ description: 'Version 2 only: the weights that ran' })),
  backend: Type.Optional(Type.Unsafe<(typeof BACKEND_KINDS)[number]>({ type: 'string', enum: [...BACKEND_KINDS], description: 'Version 2 only: ollama, openai or demo' })),
  params_hash: Type.Optional(Type.String({ description: "Version 2 only: sha256 of JCS of the job's generation parameters" })),
  signatures: Type.Array(ReceiptSignature),
});

/**
 * A receipt in a request body: only an object here, so that the route's own check
 * (validateReceiptShape, verifyReceipt) names the first wrong field; typed as a receipt.
 */
export const ReceiptBody = Type.Unsafe<ProtocolReceipt>({ type: 'object', additionalProperties: true, description: 'The receipt of docs/RECEIPTS.md' });

export const ReceiptIdParams = Type.Object({ id: Type.String() });

export const ReceiptMinerKeyView = Type.Object({
  receipt_id: Type.String(),
  miner_id: Type.String(),
  public_key: Type.String({ description: 'base64url key the miner signed this receipt with, as this coordinator checked it on acceptance (a miner may have registered another key since)' }),
});

export const VerifyBody = Type.Object({ receipt: Type.Object({}, { additionalProperties: true }) }, { additionalProperties: false });
export const VerifyView = Type.Object({
  valid: Type.Boolean(),
  checks: Type.Array(Type.Object({ name: Type.String(), ok: Type.Boolean(), detail: Type.String() })),
});

export const ReceiptClaimView = Type.Object({
  receipt_id: Type.String(),
  miner_id: Type.String(),
  amount: Amount,
  claimed_at: Timestamp,
  settlement: Type.Union([Type.Literal('pending'), Type.Literal('settled')]),
});

/** GET /v1/receipts: each filter narrows what the key may see (a client its account's, a miner key its miners', an admin all). */
export const ListReceiptsQuery = Type.Object(
  {
    miner_id: Type.Optional({ ...MinerId, description: "One of the caller's miners (miner key), or any miner (admin)" }),
    account: Type.Optional({ ...AccountName, description: 'Admin only: the paying account' }),
    ...PageQuery,
  },
  { additionalProperties: false },
);

export const ReceiptSettlementView = Type.Object({
  outbox_id: Type.Integer({ description: 'The settlement row (GET /v1/admin/chain lists open ones)' }),
  state: Type.String({ description: 'queued → pending → sent → final; failed or duplicate' }),
  tx_hash: Nullable(Type.String({ description: 'The settle transaction, once signed' })),
  block_height: Nullable(Type.Integer({ description: 'Its block, once final' })),
});

export const ReceiptListItem = Type.Object({
  receipt_id: Type.String(),
  job_id: Type.String(),
  miner_id: Type.String(),
  account: Type.String({ description: 'The paying account' }),
  model: Type.String(),
  price: Amount,
  units: Type.Integer({ description: 'prompt + completion tokens' }),
  created_at: Timestamp,
  released_at: Nullable({ ...Timestamp, description: 'Its acceptance window ended: the miner may claim it' }),
  claimed_at: Nullable(Timestamp),
  settled_at: Nullable({ ...Timestamp, description: 'Paid on chain' }),
  refunded_at: Nullable({ ...Timestamp, description: 'A dispute refunded the client' }),
  settlement: Nullable(ReceiptSettlementView),
});

export const ReceiptList = PageOf(ReceiptListItem);

export type ListReceiptsQuery = Static<typeof ListReceiptsQuery>;
export type ReceiptListItem = Static<typeof ReceiptListItem>;
export type ReceiptList = Static<typeof ReceiptList>;
export type ReceiptSignature = Static<typeof ReceiptSignature>;
export type ReceiptTemplate = Static<typeof ReceiptTemplate>;
export type Receipt = Static<typeof Receipt>;
export type ReceiptMinerKeyView = Static<typeof ReceiptMinerKeyView>;
export type VerifyBody = Static<typeof VerifyBody>;
export type VerifyView = Static<typeof VerifyView>;
export type ReceiptClaimView = Static<typeof ReceiptClaimView>;

// The schemas and the protocol's interfaces describe the same values.
true satisfies Same<Receipt, ProtocolReceipt>;
true satisfies Same<ReceiptTemplate, ProtocolReceiptTemplate>;
