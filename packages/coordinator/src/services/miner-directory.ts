// Lookups of registered miners shared by the client and miner services: existence, ownership,
// liveness and the models the market currently offers.

import { ApiError } from '@aitbc/protocol';
import type { CoordinatorConfig } from '../config.ts';
import type { CoordinatorStore, MinerBond, MinerListPosition, MinerRecord, ModelOffer } from '../store/store.ts';
import type { CacheInvalidation } from './cache-invalidation.ts';
import type { Principal } from './principal.ts';
import { RecordCache } from './record-cache.ts';

/**
 * How long (coordinator time) a submit may price against the market it read before. Refusals
 * never rely on it: a submit that would be refused reads the market again first.
 */
export const RECENT_OFFERS_MS = 1_000;

/** Every model a job may ask for, with its offer when online miners make one. */
export type Catalogue = { model: string; offer: ModelOffer | null }[];

export class MinerDirectory {
  /** The online offers as read at `readAt`, for submits (GET /v1/models always reads afresh). */
  private recent: { readAt: number; offers: Map<string, ModelOffer> } | null = null;
  /**
   * Miners as read for the calls that only need to know who owns them and what they offer (poll,
   * heartbeat, fail): their claims and state changes are judged by the store on its own rows.
   * A re-registration or a change of standing drops the entry (here at once, elsewhere over the
   * bus); completions read the miner afresh (its key and record count there).
   */
  private readonly cache: RecordCache<MinerRecord>;

  constructor(
    private readonly store: CoordinatorStore,
    private readonly config: CoordinatorConfig,
    private readonly invalidation: CacheInvalidation | null = null,
  ) {
    this.cache = new RecordCache(invalidation ? config.recordCacheMs : 0);
    invalidation?.on('miner', (minerId) => this.cache.invalidate(minerId === null ? undefined : (key) => key === minerId));
  }

  /** The miner was registered again or its standing changed: every process reads it afresh. */
  async minerChanged(minerId: string): Promise<void> {
    await this.invalidation?.changed('miner', minerId);
  }

  /** A registration here changed what is offered: the next submit reads the market again. */
  marketChanged(): void {
    this.recent = null;
  }

  async require(minerId: string): Promise<MinerRecord> {
    const miner = await this.store.getMiner(minerId);
    if (!miner) throw notRegistered(minerId);
    return miner;
  }

  /**
   * The miner, if this key registered it; a miner key acts only for its own miners. `recent`: it
   * may be the copy read up to config.recordCacheMs ago, for a caller that uses only its owner,
   * key, offer and (as a hint) its standing; the store judges the rest.
   */
  async requireOwned(principal: Principal, minerId: string, recent = false): Promise<MinerRecord> {
    const miner = recent ? await this.cache.get(minerId, () => this.store.getMiner(minerId)) : await this.store.getMiner(minerId);
    if (!miner) throw notRegistered(minerId);
    if (miner.ownerKeyId !== principal.keyId) {
      throw new ApiError('AUTH_INSUFFICIENT_SCOPE', `Miner ${minerId} was registered by another key; a miner key acts only for the miners it registered`);
    }
    return miner;
  }

  onlineSince(): number {
    return this.config.now() - this.config.minerTimeoutSeconds * 1000;
  }

  isOnline(miner: MinerRecord): boolean {
    return miner.lastSeenAt >= this.onlineSince();
  }

  countOnline(): Promise<number> {
    return this.store.countMinersOnline(this.onlineSince());
  }

  /** The miner's bond as read from final blocks (zero when it has none). */
  async bond(minerId: string): Promise<MinerBond> {
    return (await this.store.minerBond(minerId))!;
  }

  offers(): Promise<ModelOffer[]> {
    return this.store.modelOffers(this.onlineSince());
  }

  /** Every model a job may ask for — what online miners offer plus the operator's --models — with its offer, if any. */
  async catalogue(): Promise<Catalogue> {
    const offers = new Map((await this.offers()).map((offer) => [offer.model, offer]));
    return [...new Set([...offers.keys(), ...this.config.models])].sort().map((model) => ({ model, offer: offers.get(model) ?? null }));
  }

  /**
   * The public list: online miners first, then by score, then by id. The cursor is the last
   * item's place in that order, so a miner whose score or liveness changes between two pages can
   * be skipped or shown twice (each page itself is consistent).
   */
  async list(query: { model?: string | undefined; limit?: number | undefined; cursor?: string | undefined }): Promise<{ items: { miner: MinerRecord; online: boolean }[]; nextCursor: string | null }> {
    // One instant for the order and the status shown, so the two agree at the timeout's edge.
    const onlineSince = this.onlineSince();
    const page = await this.store.listMiners({
      model: query.model ?? null,
      onlineSince,
      limit: query.limit ?? 20,
      after: query.cursor === undefined ? null : decodeMinerCursor(query.cursor),
    });
    return { items: page.items.map((miner) => ({ miner, online: miner.lastSeenAt >= onlineSince })), nextCursor: page.next ? encodeMinerCursor(page.next) : null };
  }

  /**
   * The model's offer as read up to RECENT_OFFERS_MS ago (one read of the whole market per
   * second, not one per submit, however many miners there are); null when the model is not
   * among them, and then the caller reads afresh with requireModel before refusing anything.
   */
  async recentOffer(model: string): Promise<{ model: string; offer: ModelOffer } | null> {
    const now = this.config.now();
    if (!this.recent || now - this.recent.readAt >= RECENT_OFFERS_MS || now < this.recent.readAt) {
      this.recent = { readAt: now, offers: new Map((await this.offers()).map((offer) => [offer.model, offer])) };
    }
    const offer = this.recent.offers.get(model);
    return offer ? { model, offer } : null;
  }

  /** The model's catalogue entry (from `market` when the caller read it already); a model no online miner offers (nor --models) is VALIDATION_INVALID_MODEL. */
  async requireModel(model: string, market: Promise<Catalogue> = this.catalogue()): Promise<{ model: string; offer: ModelOffer | null }> {
    const catalogue = await market;
    const entry = catalogue.find((candidate) => candidate.model === model);
    if (entry) return entry;
    const offer = catalogue.length > 0 ? `available now: ${catalogue.map((candidate) => candidate.model).join(', ')}` : 'no model is available now (no miner is online)';
    throw new ApiError('VALIDATION_INVALID_MODEL', `Model '${model}' is not offered by any online miner; ${offer}. See GET /v1/models`, { field: 'model' });
  }
}

function notRegistered(minerId: string): ApiError {
  return new ApiError('MINER_NOT_FOUND', `Miner ${minerId} is not registered; register it with POST /v1/miners/register`);
}

function encodeMinerCursor(position: MinerListPosition): string {
  return Buffer.from(`${position.online ? 1 : 0}:${position.scorePpm}:${position.minerId}`, 'utf8').toString('base64url');
}

function decodeMinerCursor(text: string): MinerListPosition {
  const match = /^([01]):(\d{1,7}):([A-Za-z0-9][A-Za-z0-9._-]{0,63})$/.exec(Buffer.from(text, 'base64url').toString('utf8'));
  if (!match || Number(match[2]) > 1_000_000) {
    throw new ApiError('VALIDATION_INVALID_FORMAT', "Query 'cursor' is not a cursor this server issued; pass next_cursor unchanged", { field: 'cursor' });
  }
  return { online: match[1] === '1', scorePpm: Number(match[2]), minerId: match[3]! };
}
