// Lookups of registered miners shared by the client and miner services: existence, ownership,
// liveness and the models the market currently offers.

import { ApiError } from '@aitbc/protocol';
import type { CoordinatorConfig } from '../config.ts';
import type { CoordinatorStore, MinerBond, MinerListPosition, MinerRecord, ModelOffer } from '../store/store.ts';
import type { Principal } from './principal.ts';

/** Every model a job may ask for, with its offer when online miners make one. */
export type Catalogue = { model: string; offer: ModelOffer | null }[];

export class MinerDirectory {
  constructor(
    private readonly store: CoordinatorStore,
    private readonly config: CoordinatorConfig,
  ) {}

  async require(minerId: string): Promise<MinerRecord> {
    const miner = await this.store.getMiner(minerId);
    if (!miner) throw new ApiError('MINER_NOT_FOUND', `Miner ${minerId} is not registered; register it with POST /v1/miners/register`);
    return miner;
  }

  /** The miner, if this key registered it; a miner key acts only for its own miners. */
  async requireOwned(principal: Principal, minerId: string): Promise<MinerRecord> {
    const miner = await this.require(minerId);
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

  /** The model's catalogue entry (from `market` when the caller read it already); a model no online miner offers (nor --models) is VALIDATION_INVALID_MODEL. */
  async requireModel(model: string, market: Promise<Catalogue> = this.catalogue()): Promise<{ model: string; offer: ModelOffer | null }> {
    const catalogue = await market;
    const entry = catalogue.find((candidate) => candidate.model === model);
    if (entry) return entry;
    const offer = catalogue.length > 0 ? `available now: ${catalogue.map((candidate) => candidate.model).join(', ')}` : 'no model is available now (no miner is online)';
    throw new ApiError('VALIDATION_INVALID_MODEL', `Model '${model}' is not offered by any online miner; ${offer}. See GET /v1/models`, { field: 'model' });
  }
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
