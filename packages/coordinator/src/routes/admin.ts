// Admin routes: API keys (created with scopes, expiry and limits; shown once; revocable) and maintenance mode.

import { Type } from 'typebox';
import type { App, Services } from '../app.ts';
import { CheckList, CreateKeyBody, CreatedKey, KeyIdParams, KeyList, ListChecksQuery, MaintenanceBody, MaintenanceView, MinerIdParams, MinerView, errorResponses } from '@aitbc/protocol/wire';
import { checkView, keyView, minerView } from '../http/views.ts';

export function registerAdminRoutes(app: App, { keys, maintenance, verification, directory }: Services): void {
  app.post(
    '/v1/admin/keys',
    {
      config: { scope: 'admin' },
      schema: { tags: ['admin'], summary: 'Create an API key (the key is shown once)', body: CreateKeyBody, response: { 201: CreatedKey } },
    },
    async (request, reply) => {
      const body = request.body;
      const { record, key } = await keys.create({
        scopes: body.scopes,
        account: body.account,
        expiresAt: body.expires_at === undefined ? undefined : Date.parse(body.expires_at),
        rateLimitPerMinute: body.rate_limit_per_minute,
        dailyJobQuota: body.daily_job_quota,
      });
      return reply.code(201).send({ ...keyView(record), key });
    },
  );

  app.get(
    '/v1/admin/keys',
    { config: { scope: 'admin' }, schema: { tags: ['admin'], summary: 'List API keys (never the keys themselves)', response: { 200: KeyList } } },
    async () => ({ items: (await keys.list()).map(keyView) }),
  );

  app.delete(
    '/v1/admin/keys/:key_id',
    {
      config: { scope: 'admin' },
      schema: { tags: ['admin'], summary: 'Revoke a key', params: KeyIdParams, response: { 204: Type.Null({ description: 'Revoked' }), ...errorResponses('VALIDATION_INVALID_FORMAT') } },
    },
    async (request, reply) => {
      await keys.revoke(request.params.key_id);
      return reply.code(204).send(null);
    },
  );

  app.put(
    '/v1/admin/maintenance',
    { config: { scope: 'admin' }, schema: { tags: ['admin'], summary: 'Turn maintenance mode on or off (admin routes keep working)', body: MaintenanceBody, response: { 200: MaintenanceView } } },
    async (request) => {
      const state = await maintenance.set({ enabled: request.body.enabled, message: request.body.message ?? '', retryAfterSeconds: request.body.retry_after ?? 60 });
      return { enabled: state.enabled, message: state.message, retry_after: state.retryAfterSeconds };
    },
  );

  app.post(
    '/v1/admin/miners/:miner_id/resume',
    {
      config: { scope: 'admin' },
      schema: {
        tags: ['admin'],
        summary: "An operator's review: a paused miner gets work again, on a new probation",
        params: MinerIdParams,
        response: { 200: MinerView, ...errorResponses('MINER_NOT_FOUND') },
      },
    },
    async (request) => {
      await verification.resume(request.params.miner_id);
      const miner = await directory.require(request.params.miner_id);
      return minerView(miner, directory.isOnline(miner));
    },
  );

  app.get(
    '/v1/admin/checks',
    {
      config: { scope: 'admin' },
      schema: { tags: ['admin'], summary: 'Verification checks (canaries, re-executions) and their verdicts, newest first', querystring: ListChecksQuery, response: { 200: CheckList } },
    },
    async (request) => {
      const page = await verification.listChecks({ minerId: request.query.miner_id ?? null, limit: request.query.limit ?? 20, after: request.query.cursor === undefined ? null : Number(request.query.cursor) });
      return { items: page.items.map(checkView), next_cursor: page.next === null ? null : String(page.next) };
    },
  );
}
