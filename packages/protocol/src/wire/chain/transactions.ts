// Chain transactions on the wire: a body of one of six types, signed (Ed25519 over a domain tag
// and the body's RFC 8785 bytes; packages/chain computes hashes and checks everything). Each body
// carries the common fields. The node checks shape itself, naming the first wrong field
// (validateTxShape); these schemas give the shape for documents, clients and serializers.

import { Type, type Static } from 'typebox';
import type { Groth16Proof as ProtocolGroth16Proof } from '../../groth16.ts';
import { Amount, Nullable, type Same } from '../common.ts';
import { BatchItemError } from '../errors.ts';
import { Receipt } from '../receipts.ts';

const Address = Type.String({ description: 'ait1… address' });
const PublicKey = Type.String({ description: 'base64url Ed25519 public key' });

/** What every transaction body carries. */
export const TxCommon = {
  chain_id: Type.String(),
  from: { ...Address, description: 'Sender address; must be the address of public_key' },
  public_key: PublicKey,
  fee: { ...Amount, description: "AITBC, canonical decimal string, paid to the block's proposer" },
  nonce: Type.Integer({ minimum: 0, description: "The sender's next nonce (0 for a new account)" }),
};
const TxCommonObject = Type.Object(TxCommon);

/** The longest memo a transfer carries (a deposit's account name fits). */
export const TRANSFER_MEMO_MAX = 256;

export const TransferBody = Type.Object({
  type: Type.Literal('transfer'),
  ...TxCommon,
  to: Address,
  amount: Amount,
  memo: Type.Optional(Type.String({ maxLength: TRANSFER_MEMO_MAX })),
});

export const SettleBody = Type.Object({
  type: Type.Literal('settle'),
  ...TxCommon,
  miner_keys: Type.Record(Type.String(), PublicKey, { description: 'miner_id → base64url public key the miner signed with' }),
  receipts: Type.Array(Receipt),
  payouts: Type.Array(Type.Object({ address: Address, amount: Amount }), { description: 'One entry per provider address, sorted by address' }),
});

const Decimal = Type.String({ pattern: '^(0|[1-9][0-9]{0,77})$', description: 'A field element or coordinate in decimal' });
// Fixed-length arrays rather than tuples: OpenAPI 3.0 has no tuple form.
type Decimal = string;
const Affine1 = Type.Unsafe<[Decimal, Decimal, Decimal]>(Type.Array(Decimal, { minItems: 3, maxItems: 3 }));
const Pair = Type.Unsafe<[Decimal, Decimal]>(Type.Array(Decimal, { minItems: 2, maxItems: 2 }));
const Affine2 = Type.Unsafe<[[Decimal, Decimal], [Decimal, Decimal], [Decimal, Decimal]]>(Type.Array(Pair, { minItems: 3, maxItems: 3 }));

/** snarkjs' Groth16 proof JSON (packages/zk's receipt_simple circuit). */
export const Groth16Proof = Type.Object({
  pi_a: Affine1,
  pi_b: Affine2,
  pi_c: Affine1,
  protocol: Type.Optional(Type.String()),
  curve: Type.Optional(Type.String()),
});

export const AnchorProofBody = Type.Object({
  type: Type.Literal('anchor_proof'),
  ...TxCommon,
  receipt_id: Type.String(),
  proof: Groth16Proof,
  public_signals: Type.Array(Type.String()),
});

const BondFields = {
  amount: Amount,
  miner_key: { ...PublicKey, description: 'base64url Ed25519 public key the bonded miner signs receipts with' },
};
export const BondBody = Type.Object({ type: Type.Literal('bond'), ...TxCommon, ...BondFields });
export const UnbondBody = Type.Object({ type: Type.Literal('unbond'), ...TxCommon, ...BondFields });

export const SlashBody = Type.Object({
  type: Type.Literal('slash'),
  ...TxCommon,
  miner_key: PublicKey,
  receipt: Receipt,
  references: Type.Array(Receipt),
  reference_keys: Type.Record(Type.String(), PublicKey, { description: "miner_id → base64url key each reference's miner signed with" }),
  beneficiary: { ...Address, description: "Who the half that is not the verifiers' goes to" },
});

export const TxBody = Type.Union([TransferBody, SettleBody, AnchorProofBody, BondBody, UnbondBody, SlashBody]);

export const SignedTx = Type.Object({ body: TxBody, signature: Type.String({ description: 'base64url Ed25519 signature over the tx signing bytes' }) });

/** A transaction with its hash beside it (blocks, the mempool). */
export const HashedTx = Type.Object({ hash: Type.String(), ...SignedTx.properties });

/** A transaction as GET /rpc/txs/{hash} answers: included (in a block, maybe final) or pending. */
export const TxStatusView = Type.Object({
  hash: Type.String(),
  status: Type.Union([Type.Literal('included'), Type.Literal('pending')]),
  final: Type.Boolean(),
  block_height: Nullable(Type.Integer()),
  position: Nullable(Type.Integer({ description: 'Index in its block' })),
  ...SignedTx.properties,
});

export const SubmittedTx = Type.Object({ hash: Type.String(), status: Type.Literal('pending') });
export const Mempool = Type.Object({ transactions: Type.Array(HashedTx) });

/** The most transactions one POST /rpc/txs/batch may carry (a block of transfers is about 500). */
export const MAX_BATCH_TXS = 500;
export const SubmitTxsBody = Type.Object(
  { transactions: Type.Array(SignedTx, { minItems: 1, maxItems: MAX_BATCH_TXS, description: `1–${MAX_BATCH_TXS} signed transactions, each as POST /rpc/txs takes it, admitted in order` }) },
  { additionalProperties: false },
);
export const SubmittedTxs = Type.Object({
  results: Type.Array(Type.Union([SubmittedTx, BatchItemError]), { description: 'One per transaction sent, in order: its hash once admitted, or the error it alone got' }),
});

export type TxCommon = Static<typeof TxCommonObject>;
export type TransferBody = Static<typeof TransferBody>;
export type SettleBody = Static<typeof SettleBody>;
export type Groth16Proof = Static<typeof Groth16Proof>;
export type AnchorProofBody = Static<typeof AnchorProofBody>;
export type BondBody = Static<typeof BondBody>;
export type UnbondBody = Static<typeof UnbondBody>;
export type SlashBody = Static<typeof SlashBody>;
export type TxBody = Static<typeof TxBody>;
export type SignedTx = Static<typeof SignedTx>;
export type HashedTx = Static<typeof HashedTx>;
export type TxStatusView = Static<typeof TxStatusView>;
export type SubmittedTx = Static<typeof SubmittedTx>;
export type Mempool = Static<typeof Mempool>;
export type SubmitTxsBody = Static<typeof SubmitTxsBody>;
export type SubmittedTxs = Static<typeof SubmittedTxs>;

true satisfies Same<Groth16Proof, ProtocolGroth16Proof>;

/** What a settle pays `address` (a miner's earnings arriving, for its history), as its decimal string; null when nothing. */
export function settledTo(body: { type: string; payouts?: { address: string; amount: string }[] }, address: string): string | null {
  return body.type === 'settle' ? (body.payouts?.find((payout) => payout.address === address)?.amount ?? null) : null;
}
