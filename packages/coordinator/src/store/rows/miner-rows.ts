// Reading registered miners from rows, for both engines: a miners row with its miner_models rows
// and track record into a MinerRecord, and the online miners' model rows into the market's offers.

import { capabilityBits, DEFAULT_CAPABILITIES } from '@aitbc/protocol';
import type { MinerRecord, MinerTrackRecord, ModelOffer, ModelOffering } from '../store.ts';
import { num, numOrNull, type Row } from '../sqlite/rows.ts';

/** What a model offers when its registration names no capabilities. */
export const DEFAULT_CAPABILITY_BITS = capabilityBits(DEFAULT_CAPABILITIES);

/** `models`: the miner's miner_models rows, ordered by model. */
export function toMiner(row: Row, models: Row[], track: MinerTrackRecord): MinerRecord {
  const prices = new Map<string, bigint>();
  const digests = new Map<string, string>();
  const capabilities = new Map<string, ModelOffering>();
  for (const price of models) {
    prices.set(price.model as string, price.unit_price_micro as bigint);
    if (price.model_digest !== null) digests.set(price.model as string, price.model_digest as string);
    capabilities.set(price.model as string, { bits: num(price.capabilities), contextLength: numOrNull(price.context_length) });
  }
  return {
    minerId: row.miner_id as string,
    ownerKeyId: row.owner_key_id as string,
    publicKey: row.public_key as string,
    payoutAddress: row.payout_address as string,
    maxConcurrency: num(row.max_concurrency),
    gpu: row.gpu === null ? null : JSON.parse(row.gpu as string),
    prices,
    digests,
    capabilities,
    registeredAt: num(row.registered_at),
    updatedAt: num(row.updated_at),
    lastSeenAt: num(row.last_seen_at),
    track,
  };
}

/** `rows`: (model, unit_price_micro, capabilities, context_length) of online miners, ordered by model then price. */
export function toOffers(rows: Row[]): ModelOffer[] {
  const offers = new Map<string, { prices: bigint[]; sets: Map<number, bigint>; contextLength: number | null }>();
  for (const row of rows) {
    const model = row.model as string;
    const offer = offers.get(model) ?? offers.set(model, { prices: [], sets: new Map(), contextLength: null }).get(model)!;
    offer.prices.push(row.unit_price_micro as bigint);
    // Rows come cheapest first: the first price seen for a set is its lowest.
    const bits = num(row.capabilities);
    if (!offer.sets.has(bits)) offer.sets.set(bits, row.unit_price_micro as bigint);
    const context = numOrNull(row.context_length);
    if (context !== null && (offer.contextLength === null || context > offer.contextLength)) offer.contextLength = context;
  }
  return [...offers].map(([model, { prices, sets, contextLength }]) => ({
    model,
    minersOnline: prices.length,
    minPriceMicro: prices[0]!,
    medianPriceMicro: median(prices),
    maxPriceMicro: prices.at(-1)!,
    offerings: [...sets].map(([bits, minPriceMicro]) => ({ bits, minPriceMicro })),
    contextLength,
  }));
}

/** The middle of prices sorted ascending; of an even count, the mean of the two middle ones rounded down (µAIT). */
function median(sorted: bigint[]): bigint {
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2n;
}
