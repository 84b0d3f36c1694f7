// Balances and earnings: the caller's account, a miner's earnings, admin credit and the ledger audit.

import { formatAmount } from '@aitbc/protocol';
import type { App, Services } from '../app.ts';
import { principalOf } from '../http/auth.ts';
import { AccountParams, AccountView, CreditBody, EarningsView, LedgerAuditView, MinerIdParams, errorResponses } from '@aitbc/protocol/wire';
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

export function registerMoneyRoutes(app: App, { accounts }: Services): void {
  app.get(
    '/v1/account',
    { config: { scope: 'any' }, schema: { tags: ['client'], summary: "The key's account: available, escrowed and withdrawing AITBC, and what it may still dispute", response: { 200: AccountView } } },
    async (request) => accountView(await accounts.balance(principalOf(request))),
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
