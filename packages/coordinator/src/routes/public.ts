// Routes anyone may call: health, the coordinator's identity, models on offer, the market at a
// glance, public miner views.

import type { App, Services } from '../app.ts';
import { base64urlEncode, capabilityNames, formatAmount } from '@aitbc/protocol';
import { CoordinatorInfo, Health, ListMinersQuery, MarketView, MinerDetailView, MinerIdParams, MinerList, ModelList, ModelObject, errorResponses } from '@aitbc/protocol/wire';
import { minerView } from '../http/views.ts';
import type { ModelOffer } from '../store/store.ts';
import { VERSION } from '../version.ts';

/** A catalogue entry as OpenAI's model object (`created` is required by OpenAI's clients; there is none). */
const modelObject = ({ model, offer }: { model: string; offer: ModelOffer | null }) => ({
  id: model,
  object: 'model' as const,
  created: 0,
  owned_by: 'aitbc',
  miners_online: offer?.minersOnline ?? 0,
  min_price: offer ? formatAmount(offer.minPriceMicro) : null,
  median_price: offer ? formatAmount(offer.medianPriceMicro) : null,
  capabilities: capabilityNames((offer?.offerings ?? []).reduce((all, offering) => all | offering.bits, 0)),
  context_length: offer?.contextLength ?? null,
});

export function registerPublicRoutes(app: App, services: Services): void {
  const { config, directory, receipts } = services;

  app.get('/v1/health', { schema: { tags: ['public'], summary: 'Liveness and dependencies', response: { 200: Health } } }, async () => {
    await services.maintenance.pingDatabase();
    return { status: 'ok' as const, version: VERSION, uptime_s: Math.floor((config.now() - services.startedAt) / 1000), db: 'ok' as const, chain: services.chain?.status ?? ('disabled' as const) };
  });

  app.get('/v1/coordinator', { schema: { tags: ['public'], summary: 'The key that co-signs receipts, and the clearing address deposits go to', response: { 200: CoordinatorInfo } } }, async () => ({
    public_key: base64urlEncode(receipts.publicKey),
    chain_id: config.chainId,
    version: VERSION,
    ...(services.chain ? { clearing_address: services.chain.clearingAddress } : {}),
  }));

  app.get('/v1/models', { schema: { tags: ['public'], summary: 'Models on offer (OpenAI list shape)', response: { 200: ModelList } } }, async () => ({
    object: 'list' as const,
    data: (await directory.catalogue()).map(modelObject),
  }));

  // A wildcard: model names may hold slashes (org/model), sent raw or percent-encoded.
  app.get(
    '/v1/models/*',
    {
      config: { openai: true },
      schema: {
        tags: ['public'],
        summary: 'One model on offer (OpenAI model object); one nobody offers is VALIDATION_INVALID_MODEL, `error.code` model_not_found',
        response: { 200: ModelObject, ...errorResponses('VALIDATION_INVALID_MODEL') },
      },
    },
    async (request) => modelObject(await directory.requireModel((request.params as { '*': string })['*'])),
  );

  app.get('/v1/market', { schema: { tags: ['public'], summary: 'The market: models with miners online, prices per unit and queued jobs; miners online, queue depth and jobs per minute', response: { 200: MarketView } } }, async () => {
    const market = await services.dashboards.market();
    return {
      models: market.models.map(({ model, offer, capabilities, queued }) => ({
        model,
        miners_online: offer?.minersOnline ?? 0,
        min_price: offer ? formatAmount(offer.minPriceMicro) : null,
        max_price: offer ? formatAmount(offer.maxPriceMicro) : null,
        capabilities,
        queued,
      })),
      miners_online: market.minersOnline,
      queue_depth: market.queueDepth,
      jobs_per_minute: market.completedLastTenMinutes / 10,
      completed_last_hour: market.completedLastHour,
    };
  });

  app.get(
    '/v1/miners',
    {
      schema: {
        tags: ['public'],
        summary: 'Registered miners with their reputation: online first, then by score (filter by model; page with limit and cursor)',
        querystring: ListMinersQuery,
        response: { 200: MinerList },
      },
    },
    async (request) => {
      const page = await directory.list(request.query);
      return { items: page.items.map(({ miner, online }) => minerView(miner, online)), next_cursor: page.nextCursor };
    },
  );

  app.get(
    '/v1/miners/:miner_id',
    { schema: { tags: ['public'], summary: 'Public view of a miner (with a chain connected: its bond)', params: MinerIdParams, response: { 200: MinerDetailView, ...errorResponses('MINER_NOT_FOUND') } } },
    async (request) => {
      const miner = await directory.require(request.params.miner_id);
      const view = minerView(miner, directory.isOnline(miner));
      if (!services.chain) return view;
      const bond = await services.directory.bond(miner.minerId);
      return { ...view, bond: { address: bond.address, bonded: formatAmount(bond.bondedMicro), unbonding: formatAmount(bond.unbondingMicro) } };
    },
  );
}
