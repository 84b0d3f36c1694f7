// The operator's view on the wire: verification checks, maintenance mode, the ledger audit and
// the settlement outbox against the chain (admin key only).

import { Type, type Static } from 'typebox';
import { Amount, ChainStatus, MinerId, Nullable, PageOf, Timestamp } from './common.ts';

export const CheckView = Type.Object({
  check_id: Type.Integer(),
  kind: Type.Union([Type.Literal('canary'), Type.Literal('reexecution')]),
  miner_id: Type.String({ description: 'Whose work is checked' }),
  subject_job_id: Nullable(Type.String({ description: 'Re-execution: the client job re-run' })),
  check_job_id: Type.String({ description: 'The canary job, or the re-run' }),
  tiebreak_job_ids: Type.Array(Type.String(), { description: 'The runs after a disagreement, in order (at most two: a run fails only when three others agree against it)' }),
  failed_miner_ids: Type.Array(Type.String(), { description: "The miners whose run the verdict failed: the checked miner, or a verifier outvoted ('agree')" }),
  verdict: Nullable(Type.Union([Type.Literal('agree'), Type.Literal('disagree'), Type.Literal('inconclusive'), Type.Literal('abandoned')], { description: 'null while pending' })),
  rule: Nullable(Type.String({ description: 'exact, prefix or none (docs/API.md)' })),
  detail: Nullable(Type.String()),
  created_at: Timestamp,
  decided_at: Nullable(Timestamp),
});

export const ListChecksQuery = Type.Object(
  {
    miner_id: Type.Optional({ ...MinerId, description: "The checks of this miner's work, and those that failed its run as a verifier" }),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
    cursor: Type.Optional(Type.String({ pattern: '^[0-9]{1,15}$', description: 'next_cursor of the previous page' })),
  },
  { additionalProperties: false },
);

export const CheckList = PageOf(CheckView);

export const MaintenanceBody = Type.Object(
  {
    enabled: Type.Boolean(),
    message: Type.Optional(Type.String({ maxLength: 500 })),
    retry_after: Type.Optional(Type.Integer({ minimum: 1, maximum: 86_400 })),
  },
  { additionalProperties: false },
);
export const MaintenanceView = Type.Object({ enabled: Type.Boolean(), message: Type.String(), retry_after: Type.Integer() });

export const LedgerAuditView = Type.Object({
  ok: Type.Boolean(),
  problems: Type.Array(Type.String()),
  jobs: Type.Integer(),
  totals: Type.Object({ credited: Amount, available: Amount, escrowed: Amount, held: Amount, earned: Amount, claimed: Amount, withdrawing: Amount }),
});

export const OutboxView = Type.Object({
  outbox_id: Type.Integer(),
  kind: Type.Union([Type.Literal('settle'), Type.Literal('withdraw'), Type.Literal('slash')]),
  state: Type.String({ description: 'queued → pending (signed) → sent → final; or failed (PAYMENT_FAILED) or duplicate (RECEIPT_ALREADY_CLAIMED)' }),
  amount: Amount,
  receipts: Type.Integer(),
  account: Nullable(Type.String()),
  to: Nullable(Type.String()),
  nonce: Nullable(Type.Integer()),
  tx_hash: Nullable(Type.String()),
  block_height: Nullable(Type.Integer()),
  error_code: Nullable(Type.String()),
  error: Nullable(Type.String()),
  created_at: Timestamp,
  updated_at: Timestamp,
});

export const DepositView = Type.Object({ tx_hash: Type.String(), block_height: Type.Integer(), from: Type.String(), amount: Amount, memo: Nullable(Type.String()), seen_at: Timestamp });

/** GET /v1/admin/deposits: transfers to the clearing address whose memo named no account, oldest first. */
export const DepositList = Type.Object({ items: Type.Array(DepositView) });
export const DepositListQuery = Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })) }, { additionalProperties: false });

export const ChainAdminView = Type.Object({
  chain: ChainStatus,
  chain_url: Nullable(Type.String()),
  clearing_address: Nullable(Type.String()),
  on_chain_balance: Nullable({ ...Amount, description: "The clearing address's balance at on_chain_height; null while the node cannot be reached" }),
  on_chain_height: Nullable(Type.Integer({ description: 'The last final block the books have read (deposit_cursor − 1): the balance is read there, so a later block shows on neither side yet' })),
  chain_problem: Nullable(Type.String({ description: 'Why on_chain_balance is null: the node cannot be reached, or has no block on_chain_height (another chain than the books read)' })),
  books: Nullable(
    Type.Object({
      available: Amount,
      escrowed: Amount,
      unsettled_earnings: Amount,
      pending_withdrawals: Amount,
      unmatched_deposits: Amount,
      admin_credits: Amount,
      total: Amount,
    }),
  ),
  difference: Nullable(Type.String({ description: 'on_chain_balance − books.total; 0 when the books match the chain (outbox transactions in flight make it move briefly)' })),
  deposit_cursor: Nullable(Type.Integer()),
  outbox: Type.Array(OutboxView),
  unmatched_deposits: Type.Array(DepositView),
  oldest_unsettled_at: Nullable({ ...Timestamp, description: 'When the oldest receipt not yet settled on chain (nor refunded) was made: the settlement lag runs from here; null when none waits' }),
});

export const OutboxIdParams = Type.Object({ outbox_id: Type.Integer({ minimum: 1 }) });

export type CheckView = Static<typeof CheckView>;
export type ListChecksQuery = Static<typeof ListChecksQuery>;
export type CheckList = Static<typeof CheckList>;
export type MaintenanceBody = Static<typeof MaintenanceBody>;
export type MaintenanceView = Static<typeof MaintenanceView>;
export type LedgerAuditView = Static<typeof LedgerAuditView>;
export type OutboxView = Static<typeof OutboxView>;
export type ChainAdminView = Static<typeof ChainAdminView>;
export type DepositView = Static<typeof DepositView>;
export type DepositList = Static<typeof DepositList>;
export type DepositListQuery = Static<typeof DepositListQuery>;
export type OutboxIdParams = Static<typeof OutboxIdParams>;
