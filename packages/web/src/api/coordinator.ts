// The coordinator's routes the pages read, typed by the wire contract. The API key (when a page
// has one) goes only here.

import type {
  AccountView,
  ChainAdminView,
  EarningsSeriesView,
  JobList,
  LedgerAuditView,
  MarketView,
  MinerList,
  ModelList,
  OwnKeyView,
  Receipt,
  ReceiptList,
  SpendSeriesView,
  VerifyView,
} from '@aitbc/protocol/wire';
import { query, requestJson } from './http.ts';

export class CoordinatorApi {
  constructor(
    readonly url: string,
    readonly apiKey: string | null = null,
  ) {}

  private get<T>(path: string): Promise<T> {
    return requestJson<T>(this.url, path, { apiKey: this.apiKey });
  }

  market(): Promise<MarketView> {
    return this.get('/v1/market');
  }
  miners(cursor?: string | null): Promise<MinerList> {
    return this.get(`/v1/miners${query({ limit: 100, cursor })}`);
  }
  receipt(id: string): Promise<Receipt> {
    return this.get(`/v1/receipts/${encodeURIComponent(id)}`);
  }
  verify(receipt: Receipt): Promise<VerifyView> {
    return requestJson(this.url, '/v1/receipts/verify', { method: 'POST', body: { receipt } });
  }
  receipts(options: { minerId?: string; limit?: number; cursor?: string | null } = {}): Promise<ReceiptList> {
    return this.get(`/v1/receipts${query({ miner_id: options.minerId, limit: options.limit ?? 20, cursor: options.cursor })}`);
  }
  jobs(limit = 20): Promise<JobList> {
    return this.get(`/v1/jobs${query({ limit })}`);
  }
  account(): Promise<AccountView> {
    return this.get('/v1/account');
  }
  key(): Promise<OwnKeyView> {
    return this.get('/v1/account/key');
  }
  spend(days = 30): Promise<SpendSeriesView> {
    return this.get(`/v1/account/spend${query({ days })}`);
  }
  earnings(minerId: string, days = 30): Promise<EarningsSeriesView> {
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
