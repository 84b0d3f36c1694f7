// Admin routes: API keys (created with scopes, expiry and limits; shown once; revocable) and maintenance mode.

import { Type } from 'typebox';
import type { App, Services } from '../app.ts';
import { CreateKeyBody, CreatedKey, KeyIdParams, KeyView, MaintenanceBody, MaintenanceView, errorResponses } from '../http/schemas.ts';
import { keyView } from '../http/views.ts';

export function registerAdminRoutes(app: App, { keys, maintenance }: Services): void {
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
    { config: { scope: 'admin' }, schema: { tags: ['admin'], summary: 'List API keys (never the keys themselves)', response: { 200: Type.Object({ items: Type.Array(KeyView) }) } } },
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
}
