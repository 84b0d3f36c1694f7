// The coordinator's routes the pages read. The API key (when a page has one) goes only here.

import type { AccountView, ChainAdminView, ClientJobView, LedgerAuditView, MinerView, ModelList, Receipt, VerifyView } from '@aitbc/protocol/wire';
import { query, requestJson } from './http.ts';
import type { EarningsSeries, KeyInfo, Market, Page, ReceiptListItem, SpendSeries } from './shapes.ts';

export class CoordinatorApi {
  constructor(
    readonly url: string,
    readonly apiKey: string | null = null,
  ) {}

  private get<T>(path: string): Promise<T> {
    return requestJson<T>(this.url, path, { apiKey: this.apiKey });
  }

  market(): Promise<Market> {
    return this.get('/v1/market');
  }
  miners(cursor?: string | null): Promise<Page<MinerView>> {
    return this.get(`/v1/miners${query({ limit: 100, cursor })}`);
  }
  receipt(id: string): Promise<Receipt> {
    return this.get(`/v1/receipts/${encodeURIComponent(id)}`);
  }
  verify(receipt: Receipt): Promise<VerifyView> {
    return requestJson(this.url, '/v1/receipts/verify', { method: 'POST', body: { receipt } });
  }
  receipts(options: { minerId?: string; limit?: number; cursor?: string | null } = {}): Promise<Page<ReceiptListItem>> {
    return this.get(`/v1/receipts${query({ miner_id: options.minerId, limit: options.limit ?? 20, cursor: options.cursor })}`);
  }
  jobs(limit = 20): Promise<Page<ClientJobView>> {
    return this.get(`/v1/jobs${query({ limit })}`);
  }
  account(): Promise<AccountView> {
    return this.get('/v1/account');
  }
  key(): Promise<KeyInfo> {
    return this.get('/v1/account/key');
  }
  spend(days = 30): Promise<SpendSeries> {
    return this.get(`/v1/account/spend${query({ days })}`);
  }
  earnings(minerId: string, days = 30): Promise<EarningsSeries> {
    return this.get(`/v1/miners/${encodeURIComponent(minerId)}/earnings/series${query({ days })}`);
  }
  ledger(): Promise<LedgerAuditView> {
    return this.get('/v1/admin/ledger');
  }
  chainBooks(): Promise<ChainAdminView> {
    return this.get('/v1/admin/chain');
  }
  models(): Promise<ModelList> {
    return this.get('/v1/models');
  }
}
