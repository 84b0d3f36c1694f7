// How far settlement on chain lags and where the chain outbox stands, for GET /metrics.

import type { CoordinatorConfig } from '../config.ts';
import type { ChainStore, OutboxCount } from '../store/store.ts';

export class SettlementBacklog {
  constructor(
    private readonly store: ChainStore,
    private readonly config: CoordinatorConfig,
  ) {}

  /** Age of the oldest receipt not yet settled (nor refunded); 0 when none waits, and always 0 without a chain, where nothing ever settles. */
  async lagSeconds(): Promise<number> {
    if (!this.config.chainUrl) return 0;
    const oldest = await this.store.oldestUnsettledReceiptAt();
    return oldest === null ? 0 : Math.max(0, this.config.now() - oldest) / 1000;
  }

  outbox(): Promise<OutboxCount[]> {
    return this.store.outboxCounts();
  }
}
