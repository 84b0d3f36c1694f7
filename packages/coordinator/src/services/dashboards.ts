// The reads behind the web console, the miner dashboard, the market page and the operator panel,
// each narrowed to what the calling key may see: a client its account's receipts and spend, a
// miner key the receipts and earnings of the miners it registered, an admin everything.

import { ApiError, capabilityNames, type Capability } from '@aitbc/protocol';
import type { CoordinatorConfig } from '../config.ts';
import type { CoordinatorStore, DayEarnings, DaySpend, DepositRecord, MinerEarnings, MinerPayout, ModelOffer, ReceiptListPosition, ReceiptPage } from '../store/store.ts';
import { utcDay } from './jobs.ts';
import { requireScope } from './keys.ts';
import type { MinerDirectory } from './miner-directory.ts';
import type { Principal } from './principal.ts';

const DAY_MS = 86_400_000;
/** The most settlements the earnings series lists. */
export const PAYOUTS_SHOWN = 50;
/** The market's rate window: jobs per minute over the last 10 minutes. */
const RATE_WINDOW_MS = 10 * 60_000;
const HOUR_MS = 3_600_000;

export interface MarketModel {
  model: string;
  offer: ModelOffer | null;
  capabilities: Capability[];
  queued: number;
}

export interface Market {
  models: MarketModel[];
  minersOnline: number;
  queueDepth: number;
  completedLastTenMinutes: number;
  completedLastHour: number;
}

export class DashboardService {
  constructor(
    private readonly store: CoordinatorStore,
    private readonly directory: MinerDirectory,
    private readonly config: CoordinatorConfig,
  ) {}

  /**
   * Receipts the key may see, newest first. An admin sees all (optionally one account's or one
   * miner's); otherwise `miner_id` asks for one of the key's own miners (miner scope), and without
   * it a miner-only key sees its miners' receipts and any other key its account's.
   */
  async receipts(principal: Principal, query: { account?: string | undefined; miner_id?: string | undefined; limit?: number | undefined; cursor?: string | undefined }): Promise<{ page: ReceiptPage; nextCursor: string | null }> {
    const admin = principal.scopes.includes('admin');
    if (query.account !== undefined && !admin && query.account !== principal.account) {
      throw new ApiError('AUTH_INSUFFICIENT_SCOPE', `Only an admin key lists another account's receipts; this key's account is ${principal.account}`, { field: 'account' });
    }
    const filter = { account: query.account ?? null, minerId: query.miner_id ?? null, ownerKeyId: null as string | null };
    if (!admin) {
      if (query.miner_id !== undefined) {
        requireScope(principal, 'miner');
        await this.directory.requireOwned(principal, query.miner_id);
      } else if (principal.scopes.includes('client')) {
        filter.account = principal.account;
      } else {
        filter.ownerKeyId = principal.keyId;
      }
    }
    const page = await this.store.listReceipts({ ...filter, limit: query.limit ?? 20, after: query.cursor === undefined ? null : decodeReceiptCursor(query.cursor) });
    return { page, nextCursor: page.next ? encodeReceiptCursor(page.next) : null };
  }

  /** A miner's receipts by UTC day and model over the last `days` days, its totals and its settlements: for its owner key or an admin. */
  async earningsSeries(principal: Principal, minerId: string, days: number): Promise<{ days: DayEarnings[]; totals: MinerEarnings; payouts: MinerPayout[] }> {
    if (principal.scopes.includes('admin')) await this.directory.require(minerId);
    else {
      requireScope(principal, 'miner');
      await this.directory.requireOwned(principal, minerId);
    }
    const now = this.config.now();
    return {
      days: await this.store.earningsByDay(minerId, firstDay(now, days)),
      totals: await this.store.minerEarnings(minerId, now),
      payouts: await this.store.minerPayouts(minerId, PAYOUTS_SHOWN),
    };
  }

  /** The key's account's completed jobs by UTC day over the last `days` days. */
  spend(principal: Principal, days: number): Promise<DaySpend[]> {
    return this.store.spendByDay(principal.account, firstDay(this.config.now(), days));
  }

  /** Jobs the key submitted today (UTC), as its daily quota counts them; null without a quota (nothing counts them). */
  async usedToday(principal: Principal): Promise<number | null> {
    if (principal.dailyJobQuota === null) return null;
    return this.store.keySubmits(principal.keyId, utcDay(this.config.now()));
  }

  /** Models on offer (and asked for), miners online, the queue and the completion rate. */
  async market(): Promise<Market> {
    const now = this.config.now();
    const [catalogue, activity, minersOnline] = [await this.directory.catalogue(), await this.store.marketActivity([now - RATE_WINDOW_MS, now - HOUR_MS]), await this.directory.countOnline()];
    const offered = new Map(catalogue.map((entry) => [entry.model, entry.offer]));
    const names = [...new Set([...offered.keys(), ...activity.queuedByModel.keys()])].sort();
    return {
      models: names.map((model) => {
        const offer = offered.get(model) ?? null;
        return { model, offer, capabilities: capabilityNames((offer?.offerings ?? []).reduce((all, offering) => all | offering.bits, 0)), queued: activity.queuedByModel.get(model) ?? 0 };
      }),
      minersOnline,
      queueDepth: [...activity.queuedByModel.values()].reduce((sum, count) => sum + count, 0),
      completedLastTenMinutes: activity.completedSince[0]!,
      completedLastHour: activity.completedSince[1]!,
    };
  }

  /** Deposits to the clearing address whose memo named no account: an operator credits or returns them. */
  unmatchedDeposits(limit: number): Promise<DepositRecord[]> {
    return this.store.unmatchedDeposits(limit);
  }
}

/** The start of the UTC day `days − 1` days before today: `days` whole days, today included. */
const firstDay = (now: number, days: number) => (Math.floor(now / DAY_MS) - (days - 1)) * DAY_MS;

function encodeReceiptCursor(position: ReceiptListPosition): string {
  return Buffer.from(`${position.createdAt}:${position.receiptId}`, 'utf8').toString('base64url');
}

function decodeReceiptCursor(text: string): ReceiptListPosition {
  const match = /^(\d{1,15}):([A-Za-z0-9][A-Za-z0-9._:-]{0,127})$/.exec(Buffer.from(text, 'base64url').toString('utf8'));
  if (!match) throw new ApiError('VALIDATION_INVALID_FORMAT', "Query 'cursor' is not a cursor this server issued; pass next_cursor unchanged", { field: 'cursor' });
  return { createdAt: Number(match[1]), receiptId: match[2]! };
}
