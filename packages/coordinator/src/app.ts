// Builds the coordinator's HTTP app without listening: tests call `app.inject` or `listen(0)`,
// `server.ts` adds the port, the sweeper and signal handling.

import Fastify, { type FastifyBaseLogger, type FastifyInstance, type RawServerDefault } from 'fastify';
import swagger from '@fastify/swagger';
import websocket from '@fastify/websocket';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { REQUEST_ID_PATTERN, newId } from '@aitbc/protocol';
import { useNodeCrypto } from '@aitbc/protocol/node';
import { nulError, answerWebSocketHandshakeError, closeAnsweredUpgrade, edgeServerOptions, upgradeOnPlainRouteError, installJsonBodyParser, refusePlainHttpOnWebSocketRoute, toOpenApi303 } from '@aitbc/server-edge';
import { resolveConfig, type CoordinatorConfig } from './config.ts';
import type { CoordinatorStore } from './store/store.ts';
import { createServices } from './services/create-services.ts';
import { checkVerificationSettings } from './verification/settings.ts';
import { LOAD_EXEMPT, MAINTENANCE_EXEMPT, installLoadShedding, installMaintenanceGuard, installRateLimit, type LoadMonitor } from './http/guards.ts';
import { installAuth } from './http/auth.ts';
import { installCors, installWebApp, type WebFallback } from '@aitbc/server-edge';
import { frameworkErrorHandler, installErrorHandling, RouteTable } from './http/errors.ts';
import { errorResponses } from '@aitbc/protocol/wire';
import { ALWAYS_ERRORS, AUTH_ERRORS, BODY_ERRORS } from './http/route-errors.ts';
import { serializerCompiler } from './http/serializer.ts';
import { validatorCompiler } from './http/validation.ts';
import { registerAdminRoutes } from './routes/admin.ts';
import { registerJobRoutes } from './routes/jobs.ts';
import { registerMetricsRoute } from './routes/metrics.ts';
import { registerMoneyRoutes } from './routes/money.ts';
import { registerReceiptRoutes } from './routes/receipts.ts';
import { registerMinerRoutes } from './routes/miners.ts';
import { registerPublicRoutes } from './routes/public.ts';
import { VERSION } from './version.ts';
import { registerChainRoutes } from './routes/chain.ts';
import { registerJobStreamRoute, STREAM_MESSAGE_MAX_BYTES } from './routes/job-stream.ts';
import { installPromptShutdown } from './http/shutdown.ts';
import { registerOpenAiRoutes } from './routes/openai.ts';

export type App = FastifyInstance<RawServerDefault, IncomingMessage, ServerResponse, FastifyBaseLogger, TypeBoxTypeProvider>;

import type { Services } from './services/create-services.ts';
export type { Services };

export interface BuildOptions {
  store: CoordinatorStore;
  config?: Partial<CoordinatorConfig>;
  /** Pino options or false; default: silent (tests). The CLI passes JSON logging at info. */
  logger?: boolean | { level: string };
}

export async function buildApp(options: BuildOptions): Promise<{ app: App; services: Services; load: LoadMonitor }> {
  const config = resolveConfig(options.config);
  checkVerificationSettings(config.verification);
  // OpenSSL instead of pure-JS crypto: every completion verifies and co-signs a receipt.
  useNodeCrypto();
  const limits = { bodyLimitBytes: config.bodyLimitBytes, headersTimeoutMs: config.headersTimeoutMs, requestTimeoutMs: config.requestTimeoutMs };
  const app = Fastify({
    logger: options.logger ?? false,
    // Body limit, header and body timers, malformed HTTP and router errors: all in the envelope.
    ...edgeServerOptions(limits, { ignoreTrailingSlash: true }),
    frameworkErrors: frameworkErrorHandler(limits),
    // A client's own request id is echoed when it is sane; otherwise we make one.
    genReqId: (request) => {
      const sent = request.headers['x-request-id'];
      return typeof sent === 'string' && REQUEST_ID_PATTERN.test(sent) ? sent : newId('req');
    },
    // Closing cuts every connection (see http/shutdown.ts for what is answered first).
    forceCloseConnections: true,
  }).withTypeProvider<TypeBoxTypeProvider>();

  const services = await createServices(options.store, config, app.log);
  const { hub, maintenance } = services;

  // Every route documents the errors it can give: auth errors where a scope is needed, body
  // errors where it takes a body, and the internal error everywhere.
  const routes = new RouteTable();
  // Before any plugin: a plugin's routes (the /docs UI) keep the error handler set when it
  // registered. Unknown page paths get the web app, once it is installed below.
  let webFallback: WebFallback | null = null;
  installErrorHandling(app, routes, limits, (request, reply) => webFallback?.(request, reply) ?? null);
  // Before any other hook, so that every answer a browser gets (refusals too) has its CORS headers.
  await installCors(app, config.corsOrigins);
  const load = installLoadShedding(app, config);

  // onRequest hooks run in this order: CORS, event-loop lag, request id (and Upgrade on a plain
  // route), maintenance (before auth), auth, rate limit; the in-flight cap is a preHandler, once the body is in.
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.addHook('onRequest', async (request, reply) => {
    reply.header('X-Request-ID', request.id);
    const upgradeError = upgradeOnPlainRouteError(request);
    if (upgradeError) throw upgradeError;
  });
  app.addHook('onResponse', async (request) => closeAnsweredUpgrade(request));
  installMaintenanceGuard(app, maintenance);
  app.addHook('onClose', async () => load.stop());
  app.addHook('onClose', async () => services.chain?.stop());
  app.addHook('onClose', async () => services.closeShared());

  // Any content type is read as JSON (curl -d sends form encoding by default); empty means none;
  // unpaired surrogates, absurd nesting and NUL characters (no PostgreSQL text column holds one:
  // both engines refuse them alike) are refused here, before any handler; NULs in path and query
  // parameters too.
  installJsonBodyParser(app, { refuseNul: true });
  app.addHook('preValidation', async (request) => refuseNulInParameters(request));

  app.addHook('onRoute', (route) => {
    refusePlainHttpOnWebSocketRoute(route);
    routes.add(route.method, route.url);
    const schema = (route.schema ??= {}) as Record<string, unknown>;
    const extra = [...ALWAYS_ERRORS];
    if (!MAINTENANCE_EXEMPT.test(route.url)) extra.push('SYSTEM_MAINTENANCE');
    if (!LOAD_EXEMPT.test(route.url)) extra.push('SYSTEM_OVERLOADED');
    if (route.config?.scope) {
      extra.push(...AUTH_ERRORS, 'RATE_LIMIT_EXCEEDED');
      schema.security = [{ apiKey: [] }, { bearer: [] }];
    }
    if (schema.body) extra.push(...BODY_ERRORS);
    if (schema.querystring || schema.params) extra.push('VALIDATION_INVALID_FORMAT', 'VALIDATION_OUT_OF_RANGE', 'VALIDATION_INVALID_TYPE');
    const responses = (schema.response ??= {}) as Record<string, unknown>;
    for (const [status, response] of Object.entries(errorResponses(...extra))) {
      const existing = responses[status] as { description?: string } | undefined;
      responses[status] = existing ? { ...existing, description: `${existing.description}; ${(response as { description: string }).description}` } : response;
    }
  });

  await app.register(swagger, {
    openapi: {
      info: { title: 'AITBC coordinator', version: VERSION, description: 'Job marketplace API. Errors use the seed envelope; see docs/seed/error-codes.md.' },
      components: {
        securitySchemes: {
          apiKey: { type: 'apiKey', in: 'header', name: 'X-Api-Key' },
          bearer: { type: 'http', scheme: 'bearer' },
        },
      },
    },
    transformObject: (document) => toOpenApi303('openapiObject' in document ? document.openapiObject : document.swaggerObject),
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  installPromptShutdown(app, hub, load);
  await app.register(websocket, { options: { maxPayload: STREAM_MESSAGE_MAX_BYTES } });
  app.websocketServer.on('wsClientError', answerWebSocketHandshakeError);

  installAuth(app, services.keys);
  installRateLimit(app, services.rateLimiter, config);
  registerPublicRoutes(app, services);
  registerAdminRoutes(app, services);
  registerJobRoutes(app, services);
  registerMinerRoutes(app, services);
  registerMoneyRoutes(app, services);
  registerReceiptRoutes(app, services);
  registerChainRoutes(app, services);
  registerOpenAiRoutes(app, services);
  registerJobStreamRoute(app, services);
  registerMetricsRoute(app, services, load);
  // The page finds this coordinator where it loaded from, and the chain node this one uses.
  webFallback = await installWebApp(app, { webDir: config.webDir, webConfig: (own) => ({ coordinator_url: own, chain_url: config.chainUrl }) });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  return { app, services, load };
}

/** A NUL character in a path or query parameter: refused as in bodies (see installJsonBodyParser above). */
function refuseNulInParameters(request: { params: unknown; query: unknown }): void {
  for (const part of [request.params, request.query]) {
    if (!part || typeof part !== 'object') continue;
    for (const [name, value] of Object.entries(part)) {
      const values = Array.isArray(value) ? value : [value];
      if (name.includes('\u0000') || values.some((item) => typeof item === 'string' && item.includes('\u0000'))) throw nulError(name);
    }
  }
}
