// Chain accounts on the wire: balance and nonce, history, and the bonds, unbondings and slashes
// of an address (amounts in AITBC; each list paged by its own cursor).

import { Type, type Static, type TSchema } from 'typebox';
import { Amount, Nullable } from '../common.ts';
import { Receipt } from '../receipts.ts';
import { SignedTx } from './transactions.ts';

export const ChainAccount = Type.Object({
  address: Type.String(),
  balance: Amount,
  nonce: Type.Integer({ minimum: 0, description: 'The next nonce a transaction from it must carry' }),
  bonded: Amount,
  unbonding: Amount,
});

/** A transaction of an address's history: its hash, block and the block's time beside it (its fee is in the body). */
export const AccountTx = Type.Object({
  hash: Type.String(),
  block_height: Type.Integer(),
  block_time: Type.Integer({ description: "Epoch ms: its block's timestamp" }),
  ...SignedTx.properties,
});
export const AccountTxs = Type.Object({ address: Type.String(), transactions: Type.Array(AccountTx, { description: 'Sent by the address, addressed to it or paying it (a settle payout, a slash share), newest first, each once (at most 100)' }) });

export const BondView = Type.Object({ miner_key: Type.String(), address: Type.String(), amount: Amount });

export const UnbondingView = Type.Object({
  id: Type.String({ description: 'hash of the unbond transaction' }),
  miner_key: Type.String(),
  address: Type.String(),
  amount: Amount,
  release_height: Type.Integer({ description: 'released to the balance in the block at this height' }),
});

export const SlashView = Type.Object({
  receipt_id: Type.String(),
  tx_hash: Type.String(),
  block_height: Type.Integer(),
  miner_key: Type.String(),
  bond_address: Type.String(),
  amount: Amount,
  from_bond: Amount,
  from_unbonding: Amount,
  beneficiary: Type.String(),
  payouts: Type.Array(Type.Object({ address: Type.String(), amount: Amount, role: Type.Unsafe<'beneficiary' | 'verifier'>({ type: 'string', enum: ['beneficiary', 'verifier'] }) })),
  coordinator_key: Type.String(),
  evidence: Type.Object({ receipt: Receipt, references: Type.Array(Receipt), reference_keys: Type.Record(Type.String(), Type.String()) }),
});

const ChainPage = <T extends TSchema>(item: T, description: string) =>
  Type.Object({ items: Type.Array(item), next: Nullable(Type.String({ description: 'cursor of the next page; null on the last' })) }, { description });

export const BondsOf = Type.Object({
  address: Type.String(),
  bonded: Amount,
  unbonding: Amount,
  bonds: ChainPage(BondView, 'by miner key'),
  unbondings: ChainPage(UnbondingView, 'soonest release first'),
  slashes: ChainPage(SlashView, 'newest first'),
});

/** The longest page of bonds, unbondings or slashes. */
export const BOND_PAGE_MAX = 100;

export const BondsQuery = Type.Object({
  limit: Type.Optional(Type.String({ description: `items per list, 1–${BOND_PAGE_MAX} (default ${BOND_PAGE_MAX})` })),
  bonds_after: Type.Optional(Type.String({ description: 'bonds.next of the previous page' })),
  unbondings_after: Type.Optional(Type.String({ description: 'unbondings.next of the previous page' })),
  slashes_before: Type.Optional(Type.String({ description: 'slashes.next of the previous page' })),
});

const Hash = (description: string) => Type.String({ pattern: '^[0-9a-f]{64}$', description });

/** An account's state-tree leaf value (docs/STATE-TREE.md): the balance in integer µAIT. */
export const AccountLeafValue = Type.Object({
  kind: Type.Literal('account'),
  address: Type.String(),
  balance: Type.String({ pattern: '^[0-9]+$', description: 'integer µAIT (not AITBC): the leaf value exactly as hashed' }),
  nonce: Type.Integer({ minimum: 0 }),
});

export const StateProofView = Type.Object({
  key: Hash('SHA-256 of "account:<address>"'),
  leaf: Type.Union([Type.Object({ key: Hash("the leaf's key"), value_hash: Hash("SHA-256 of the leaf value's canonical JSON") }), Type.Null()], {
    description: "the address's own leaf, another key's leaf on its path (absence), or null: the path ends in an empty subtree (absence)",
  }),
  siblings: Type.Array(Hash('sibling hash'), { maxItems: 256, description: 'sibling hashes from the children of the root down' }),
});

export const AccountProof = Type.Object({
  address: Type.String(),
  height: Type.Integer({ description: 'the block whose state root the proof is against' }),
  block_hash: Type.String(),
  state_root: Hash("that block's header.state_root"),
  account: Type.Union([AccountLeafValue, Type.Null()], { description: 'null: the address holds nothing (no balance, no nonce) at that height' }),
  proof: StateProofView,
});

export const AccountProofQuery = Type.Object({
  height: Type.Optional(Type.String({ description: 'block height (default: the head); every stored height is provable' })),
});

export type ChainAccount = Static<typeof ChainAccount>;
export type AccountLeafValue = Static<typeof AccountLeafValue>;
export type StateProofView = Static<typeof StateProofView>;
export type AccountProof = Static<typeof AccountProof>;
export type AccountProofQuery = Static<typeof AccountProofQuery>;
export type AccountTx = Static<typeof AccountTx>;
export type AccountTxs = Static<typeof AccountTxs>;
export type BondView = Static<typeof BondView>;
export type UnbondingView = Static<typeof UnbondingView>;
export type SlashView = Static<typeof SlashView>;
export type BondsOf = Static<typeof BondsOf>;
export type BondsQuery = Static<typeof BondsQuery>;
