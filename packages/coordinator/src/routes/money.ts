// Balances and earnings: the caller's account, key and spend by day, a miner's earnings and their
// series by day, admin credit and the ledger audit.

import { formatAmount } from '@aitbc/protocol';
import type { App, Services } from '../app.ts';
import { principalOf } from '../http/auth.ts';
import { AccountParams, AccountView, CreditBody, DaysQuery, EarningsSeriesView, EarningsView, LedgerAuditView, MinerIdParams, OwnKeyView, SpendSeriesView, errorResponses } from '@aitbc/protocol/wire';
import { iso } from '../http/views.ts';
import type { ClientBalance } from '../services/accounts.ts';
import type { LedgerAudit } from '../store/store.ts';

const accountView = (balance: ClientBalance) => ({
  account: balance.account,
  available: formatAmount(balance.availableMicro),
  escrowed: formatAmount(balance.escrowedMicro),
  withdrawing: formatAmount(balance.withdrawingMicro),
  disputable: formatAmount(balance.disputableMicro),
});

export function auditView(audit: LedgerAudit) {
  const totals = Object.fromEntries(Object.entries(audit.totals).map(([name, micro]) => [name, formatAmount(micro)])) as Record<keyof LedgerAudit['totals'], string>;
  return { ok: audit.ok, problems: audit.problems, jobs: audit.jobs, totals };
}

export function registerMoneyRoutes(app: App, { accounts, dashboards }: Services): void {
  app.get(
    '/v1/account',
    { config: { scope: 'any' }, schema: { tags: ['client'], summary: "The key's account: available, escrowed and withdrawing AITBC, and what it may still dispute", response: { 200: AccountView } } },
    async (request) => accountView(await accounts.balance(principalOf(request))),
  );

  app.get(
    '/v1/account/key',
    { config: { scope: 'any' }, schema: { tags: ['client'], summary: 'The calling key: scopes, account, limits, what it used of its daily quota today (never the key itself)', response: { 200: OwnKeyView } } },
    async (request) => {
      const principal = principalOf(request);
      return {
        key_id: principal.keyId,
        scopes: principal.scopes,
        account: principal.account,
        rate_limit_per_minute: principal.rateLimitPerMinute,
        daily_job_quota: principal.dailyJobQuota,
        used_today: await dashboards.usedToday(principal),
        expires_at: principal.expiresAt === null ? null : iso(principal.expiresAt),
        created_at: principal.createdAt === null ? null : iso(principal.createdAt),
      };
    },
  );

  app.get(
    '/v1/account/spend',
    { config: { scope: 'client' }, schema: { tags: ['client'], summary: "The key's account's completed jobs and their prices per UTC day, over the last `days` days (today included)", querystring: DaysQuery, response: { 200: SpendSeriesView } } },
    async (request) => {
      const principal = principalOf(request);
      const days = await dashboards.spend(principal, request.query.days ?? 30);
      return { account: principal.account, days: days.map((day) => ({ day: day.day, jobs: day.jobs, spent: formatAmount(day.spentMicro) })) };
    },
  );

  app.get(
    '/v1/miners/:miner_id/earnings/series',
    {
      config: { scope: 'any' },
      schema: {
        tags: ['miner'],
        summary: "A miner's earnings per UTC day and model over the last `days` days, its held, earned, claimed and settled totals, and its settlements (its owner key or an admin)",
        params: MinerIdParams,
        querystring: DaysQuery,
        response: { 200: EarningsSeriesView, ...errorResponses('MINER_NOT_FOUND') },
      },
    },
    async (request) => {
      const { miner_id: minerId } = request.params;
      const { days, totals, payouts } = await dashboards.earningsSeries(principalOf(request), minerId, request.query.days ?? 30);
      return {
        miner_id: minerId,
        days: days.map((day) => ({ day: day.day, model: day.model, jobs: day.jobs, units: day.units, earned: formatAmount(day.earnedMicro) })),
        held: formatAmount(totals.heldMicro),
        earned: formatAmount(totals.earnedMicro),
        claimed: formatAmount(totals.claimedMicro),
        settled: formatAmount(totals.settledMicro),
        payouts: payouts.map((payout) => ({ outbox_id: payout.outboxId, state: payout.state, tx_hash: payout.txHash, block_height: payout.blockHeight, amount: formatAmount(payout.amountMicro), receipts: payout.receipts, at: iso(payout.at) })),
      };
    },
  );

  app.get(
    '/v1/miners/:miner_id/earnings',
    {
      config: { scope: 'miner' },
      schema: { tags: ['miner'], summary: "A miner's earnings: held inside the acceptance window, released and unclaimed, and claimed awaiting settlement", params: MinerIdParams, response: { 200: EarningsView, ...errorResponses('MINER_NOT_FOUND') } },
    },
    async (request) => {
      const earnings = await accounts.earnings(principalOf(request), request.params.miner_id);
      return { miner_id: earnings.minerId, held: formatAmount(earnings.heldMicro), earned: formatAmount(earnings.earnedMicro), claimed: formatAmount(earnings.claimedMicro), unclaimed_receipts: earnings.unclaimedReceipts, settled: formatAmount(earnings.settledMicro) };
    },
  );

  app.post(
    '/v1/admin/accounts/:account/credit',
    { config: { scope: 'admin' }, schema: { tags: ['admin'], summary: 'Credit an account (devnet and operators; with a chain, clients deposit on chain instead, and a credit is money the chain does not hold)', params: AccountParams, body: CreditBody, response: { 200: AccountView } } },
    async (request) => accountView(await accounts.credit(request.params.account, request.body.amount)),
  );

  app.get(
    '/v1/admin/ledger',
    { config: { scope: 'admin' }, schema: { tags: ['admin'], summary: 'Audit the ledger: balances equal the ledger and nothing was created or lost', response: { 200: LedgerAuditView } } },
    async () => auditView(await accounts.audit()),
  );
}
