// Routes that involve the chain: a client's withdrawal, and the operator's view of the clearing
// address against the books, the outbox and unmatched deposits.

import { ApiError, formatAmount } from '@aitbc/protocol';
import type { App, Services } from '../app.ts';
import { principalOf } from '../http/auth.ts';
import { ChainAdminView, DepositList, DepositListQuery, OutboxIdParams, OutboxView, WithdrawBody, WithdrawalView, errorResponses } from '@aitbc/protocol/wire';
import { iso } from '../http/views.ts';
import type { ChainService } from '../chain/chain-service.ts';
import type { DepositRecord, OutboxRecord } from '../store/store.ts';

export function outboxView(row: OutboxRecord) {
  return {
    outbox_id: row.outboxId,
    kind: row.kind,
    state: row.state,
    amount: formatAmount(row.amountMicro),
    receipts: row.receiptCount,
    account: row.account,
    to: row.toAddress,
    nonce: row.nonce,
    tx_hash: row.txHash,
    block_height: row.blockHeight,
    error_code: row.errorCode,
    error: row.error,
    created_at: iso(row.createdAt),
    updated_at: iso(row.updatedAt),
  };
}

const depositView = (deposit: DepositRecord) => ({
  tx_hash: deposit.txHash,
  block_height: deposit.blockHeight,
  from: deposit.fromAddress,
  amount: formatAmount(deposit.amountMicro),
  memo: deposit.memo,
  seen_at: iso(deposit.createdAt),
});

/** The overview as the admin route and `aitbc coordinator check-ledger` show it. */
export async function chainAdminView(chain: ChainService | null) {
  if (!chain) {
    return { chain: 'disabled' as const, chain_url: null, clearing_address: null, on_chain_balance: null, on_chain_height: null, chain_problem: null, books: null, difference: null, deposit_cursor: null, outbox: [], unmatched_deposits: [], oldest_unsettled_at: null };
  }
  const overview = await chain.overview();
  const { books } = overview;
  const total = books.availableMicro + books.escrowedMicro + books.unsettledEarningsMicro + books.pendingWithdrawalsMicro + books.unmatchedDepositsMicro;
  return {
    chain: overview.status,
    chain_url: overview.chainUrl,
    clearing_address: overview.clearingAddress,
    on_chain_balance: overview.onChainBalanceMicro === null ? null : formatAmount(overview.onChainBalanceMicro),
    on_chain_height: overview.onChainHeight,
    chain_problem: overview.problem,
    books: {
      available: formatAmount(books.availableMicro),
      escrowed: formatAmount(books.escrowedMicro),
      unsettled_earnings: formatAmount(books.unsettledEarningsMicro),
      pending_withdrawals: formatAmount(books.pendingWithdrawalsMicro),
      unmatched_deposits: formatAmount(books.unmatchedDepositsMicro),
      admin_credits: formatAmount(books.adminCreditsMicro),
      total: formatAmount(total),
    },
    difference: overview.onChainBalanceMicro === null ? null : formatAmount(overview.onChainBalanceMicro - total),
    deposit_cursor: overview.depositCursor,
    outbox: overview.outbox.map(outboxView),
    unmatched_deposits: overview.unmatchedDeposits.map(depositView),
    oldest_unsettled_at: overview.oldestUnsettledAt === null ? null : iso(overview.oldestUnsettledAt),
  };
}

function requireChain(chain: ChainService | null): ChainService {
  // Not a failure to retry (the SDK retries 5xx): this deployment has no such route.
  if (!chain) throw new ApiError('ROUTE_NOT_FOUND', 'This coordinator runs without a chain (no --chain-url), so it cannot move AITBC on chain; ask its operator');
  return chain;
}

export function registerChainRoutes(app: App, { chain, dashboards }: Services): void {
  app.post(
    '/v1/account/withdraw',
    {
      config: { scope: 'client' },
      schema: {
        tags: ['client'],
        summary: 'Withdraw available AITBC to an address on chain (202: queued; it leaves the books once final, and is refunded if the chain refuses it)',
        body: WithdrawBody,
        response: { 202: WithdrawalView, ...errorResponses('PAYMENT_INSUFFICIENT_BALANCE', 'SYSTEM_UPSTREAM_ERROR', 'ROUTE_NOT_FOUND') },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const { withdrawal, availableMicro } = await requireChain(chain).withdraw(principal.account, request.body);
      return reply.code(202).send({
        withdrawal_id: withdrawal.outboxId,
        account: principal.account,
        to: withdrawal.toAddress!,
        amount: formatAmount(withdrawal.amountMicro),
        status: withdrawal.state,
        available: formatAmount(availableMicro),
        created_at: iso(withdrawal.createdAt),
      });
    },
  );

  app.get(
    '/v1/admin/chain',
    {
      config: { scope: 'admin' },
      schema: { tags: ['admin'], summary: 'The clearing address on chain against the books; the outbox (open, failed, duplicate) and unmatched deposits', response: { 200: ChainAdminView } },
    },
    async () => chainAdminView(chain),
  );

  app.get(
    '/v1/admin/deposits',
    {
      config: { scope: 'admin' },
      schema: {
        tags: ['admin'],
        summary: 'Deposits waiting for an operator: transfers to the clearing address whose memo named no account, oldest first (none without a chain)',
        querystring: DepositListQuery,
        response: { 200: DepositList },
      },
    },
    async (request) => ({ items: (await dashboards.unmatchedDeposits(request.query.limit ?? 20)).map(depositView) }),
  );

  app.post(
    '/v1/admin/chain/outbox/:outbox_id/retry',
    {
      config: { scope: 'admin' },
      schema: {
        tags: ['admin'],
        summary: "Put a refused settlement's receipts back into the next batch (after fixing the cause)",
        params: OutboxIdParams,
        response: { 200: OutboxView, ...errorResponses('SYSTEM_UPSTREAM_ERROR', 'ROUTE_NOT_FOUND') },
      },
    },
    async (request) => outboxView(await requireChain(chain).retrySettlement(request.params.outbox_id)),
  );
}
