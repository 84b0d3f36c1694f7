// Balances as their owners see them, admin credit, miners' earnings and the ledger audit.

import { ApiError, formatAmount, MAX_AMOUNT_MICRO } from '@aitbc/protocol';
import type { CoordinatorConfig } from '../config.ts';
import { auditLedger, type LedgerAudit } from '../ledger/audit.ts';
import type { AccountBalance, CoordinatorStore, MinerEarnings } from '../store/store.ts';
import { parseMoneyField } from './jobs.ts';
import type { MinerDirectory } from './miner-directory.ts';
import type { Principal } from './principal.ts';

export type ClientBalance = AccountBalance & { disputableMicro: bigint };

export class AccountService {
  constructor(
    private readonly store: CoordinatorStore,
    private readonly directory: MinerDirectory,
    private readonly config: CoordinatorConfig,
  ) {}

  /** The balance, with what the account may still dispute (the prices of its completed jobs inside their window). */
  async balance(principal: Principal): Promise<ClientBalance> {
    return this.withDisputable(await this.store.getAccount(principal.account));
  }

  private async withDisputable(balance: AccountBalance): Promise<ClientBalance> {
    return { ...balance, disputableMicro: await this.store.disputableMicro(balance.account, this.config.now()) };
  }

  async credit(account: string, amount: string): Promise<ClientBalance> {
    const micro = parseMoneyField(amount, 'amount');
    if (micro <= 0n) throw new ApiError('VALIDATION_OUT_OF_RANGE', "Field 'amount' must be more than 0", { field: 'amount' });
    const outcome = await this.store.credit(account, micro, this.config.now());
    if (outcome.ok) return this.withDisputable(outcome.balance);
    throw new ApiError(
      'VALIDATION_OUT_OF_RANGE',
      `Field 'amount': crediting ${formatAmount(micro)} AITBC would bring the money this coordinator holds from ${formatAmount(outcome.heldMicro)} to ${formatAmount(outcome.heldMicro + micro)} AITBC, past the bound of ${formatAmount(MAX_AMOUNT_MICRO)} AITBC on any balance and on their sum`,
      { field: 'amount' },
    );
  }

  async earnings(principal: Principal, minerId: string): Promise<MinerEarnings> {
    await this.directory.requireOwned(principal, minerId);
    return this.store.minerEarnings(minerId, this.config.now());
  }

  async audit(): Promise<LedgerAudit> {
    return auditLedger(await this.store.ledgerSnapshot());
  }
}
