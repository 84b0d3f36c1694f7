// Lookups of registered miners shared by the client and miner services: existence, ownership,
// liveness and the models the market currently offers.

import { ApiError } from '@aitbc/protocol';
import type { CoordinatorConfig } from '../config.ts';
import type { CoordinatorStore, MinerRecord, ModelOffer } from '../store/store.ts';
import type { Principal } from './principal.ts';

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

  offers(): Promise<ModelOffer[]> {
    return this.store.modelOffers(this.onlineSince());
  }

  /** Every model a job may ask for — what online miners offer plus the operator's --models — with its offer, if any. */
  async catalogue(): Promise<{ model: string; offer: ModelOffer | null }[]> {
    const offers = new Map((await this.offers()).map((offer) => [offer.model, offer]));
    return [...new Set([...offers.keys(), ...this.config.models])].sort().map((model) => ({ model, offer: offers.get(model) ?? null }));
  }

  async acceptedModels(): Promise<string[]> {
    return (await this.catalogue()).map((entry) => entry.model);
  }
}
