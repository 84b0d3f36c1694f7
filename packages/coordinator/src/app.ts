// Builds the coordinator's HTTP app without listening: tests call `app.inject` or `listen(0)`,
// `server.ts` adds the port, the sweeper and signal handling.

import Fastify, { type FastifyBaseLogger, type FastifyInstance, type RawServerDefault } from 'fastify';
import swagger from '@fastify/swagger';
import websocket from '@fastify/websocket';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { REQUEST_ID_PATTERN, generateKeyPair, newId } from '@aitbc/protocol';
import { answerWebSocketHandshakeError, closeAnsweredUpgrade, edgeServerOptions, upgradeOnPlainRouteError, installJsonBodyParser, refusePlainHttpOnWebSocketRoute, toOpenApi303, useNodeCrypto } from '@aitbc/protocol/node';
import { resolveConfig, type CoordinatorConfig } from './config.ts';
import type { CoordinatorStore } from './store/store.ts';
import { AccountService } from './services/accounts.ts';
import { KeyService } from './services/keys.ts';
import { Maintenance } from './services/maintenance.ts';
import { ReceiptService } from './services/receipts.ts';
import { TokenBuckets } from './services/token-bucket.ts';
import { LOAD_EXEMPT, MAINTENANCE_EXEMPT, installLoadShedding, installMaintenanceGuard, installRateLimit, type LoadMonitor } from './http/guards.ts';
import { JobService } from './services/jobs.ts';
import { MinerDirectory } from './services/miner-directory.ts';
import { MinerService } from './services/miners.ts';
import { Sweeper } from './services/sweeper.ts';
import { WorkSignal } from './services/work-signal.ts';
import { installAuth } from './http/auth.ts';
import { frameworkErrorHandler, installErrorHandling, RouteTable } from './http/errors.ts';
import { ALWAYS_ERRORS, AUTH_ERRORS, BODY_ERRORS, errorResponses } from './http/schemas.ts';
import { validatorCompiler } from './http/validation.ts';
import { createdJobView } from './http/views.ts';
import { registerAdminRoutes } from './routes/admin.ts';
import { registerJobRoutes } from './routes/jobs.ts';
import { registerMetricsRoute } from './routes/metrics.ts';
import { registerMoneyRoutes } from './routes/money.ts';
import { registerReceiptRoutes } from './routes/receipts.ts';
import { registerMinerRoutes } from './routes/miners.ts';
import { registerPublicRoutes } from './routes/public.ts';
import { VERSION } from './version.ts';
import { ChainService } from './chain/chain-service.ts';
import { registerChainRoutes } from './routes/chain.ts';
import { registerJobStreamRoute, STREAM_MESSAGE_MAX_BYTES } from './routes/job-stream.ts';
import { installPromptShutdown } from './http/shutdown.ts';
import { registerOpenAiRoutes } from './routes/openai.ts';
import { StreamHub } from './services/stream-hub.ts';
import { VerificationService } from './services/verification.ts';
import { DisputeService } from './services/disputes.ts';
import { checkVerificationSettings } from './verification/settings.ts';

/** Receipts the sweeper releases from their acceptance window per tick (one transaction). */
const RELEASE_BATCH = 500;

export type App = FastifyInstance<RawServerDefault, IncomingMessage, ServerResponse, FastifyBaseLogger, TypeBoxTypeProvider>;

export interface Services {
  config: CoordinatorConfig;
  store: CoordinatorStore;
  signal: WorkSignal;
  keys: KeyService;
  directory: MinerDirectory;
  jobs: JobService;
  miners: MinerService;
  accounts: AccountService;
  receipts: ReceiptService;
  maintenance: Maintenance;
  sweeper: Sweeper;
  load: LoadMonitor;
  /** Live output of jobs that OpenAI-compatible clients wait on. */
  hub: StreamHub;
  /** Canaries, re-executions, verdicts and pauses (issue 12). */
  verification: VerificationService;
  /** Clients' disputes inside the acceptance window (issue 13). */
  disputes: DisputeService;
  /** The link to the chain node; null without --chain-url. */
  chain: ChainService | null;
  startedAt: number;
}

export interface BuildOptions {
  store: CoordinatorStore;
  config?: Partial<CoordinatorConfig>;
  /** Pino options or false; default: silent (tests). The CLI passes JSON logging at info. */
  logger?: boolean | { level: string };
}

export async function buildApp(options: BuildOptions): Promise<{ app: App; services: Services }> {
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

  const store = options.store;
  const signal = new WorkSignal();
  const directory = new MinerDirectory(store, config);
  const signingKey = config.coordinatorSecretKey ?? generateKeyPair().secretKey;
  const maintenance = new Maintenance(store);
  await maintenance.refresh();
  const buckets = new TokenBuckets(config.now);
  const hub = new StreamHub(config.maxStreamBytes ?? config.bodyLimitBytes, app.log);
  const verification = new VerificationService(store, signal, config, app.log);

  // onRequest hooks run in this order: request id (and Upgrade on a plain route), maintenance
  // (before auth), event-loop lag, auth, rate limit; the in-flight cap is a preHandler, once the body is in.
  app.setValidatorCompiler(validatorCompiler);
  app.addHook('onRequest', async (request, reply) => {
    reply.header('X-Request-ID', request.id);
    const upgradeError = upgradeOnPlainRouteError(request);
    if (upgradeError) throw upgradeError;
  });
  app.addHook('onResponse', async (request) => closeAnsweredUpgrade(request));
  installMaintenanceGuard(app, maintenance);
  const services: Services = {
    config,
    store,
    signal,
    directory,
    keys: new KeyService(store, config.adminKey, config.now),
    jobs: new JobService(store, directory, signal, config, createdJobView),
    miners: new MinerService(store, directory, signal, config, signingKey, hub, verification),
    hub,
    verification,
    disputes: new DisputeService(store, verification, signal, config),
    accounts: new AccountService(store, directory, config),
    receipts: new ReceiptService(store, directory, config, signingKey),
    maintenance,
    sweeper: new Sweeper(store, signal, config, app.log),
    load: installLoadShedding(app, config),
    chain: config.chainUrl ? new ChainService(store, config, signingKey, app.log) : null,
    startedAt: config.now(),
  };
  if (services.chain) verification.onRunFailed = (failure) => services.chain!.slasher.failed(failure);
  services.sweeper.also(() => maintenance.refresh());
  services.sweeper.also(() => buckets.prune());
  // Held earnings whose acceptance window ended (reads of a miner's earnings, claims and
  // settlement release theirs first, so nothing waits for this tick).
  services.sweeper.also(() => store.releaseDue(config.now(), RELEASE_BATCH));
  // A check whose job ended without a verdict (failed, expired, cancelled, or a crash in between).
  services.sweeper.also(() => verification.decideEnded());
  app.addHook('onClose', async () => services.load.stop());
  app.addHook('onClose', async () => services.chain?.stop());


  // Any content type is read as JSON (curl -d sends form encoding by default); empty means none;
  // unpaired surrogates and absurd nesting are refused here, before any handler.
  installJsonBodyParser(app);

  // Every route documents the errors it can give: auth errors where a scope is needed, body
  // errors where it takes a body, and the internal error everywhere.
  const routes = new RouteTable();
  // Before any plugin: a plugin's routes (the /docs UI) keep the error handler set when it registered.
  installErrorHandling(app, routes, limits);
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
  installPromptShutdown(app, hub, services.load);
  await app.register(websocket, { options: { maxPayload: STREAM_MESSAGE_MAX_BYTES } });
  app.websocketServer.on('wsClientError', answerWebSocketHandshakeError);

  installAuth(app, services.keys);
  installRateLimit(app, buckets, config);
  registerPublicRoutes(app, services);
  registerAdminRoutes(app, services);
  registerJobRoutes(app, services);
  registerMinerRoutes(app, services);
  registerMoneyRoutes(app, services);
  registerReceiptRoutes(app, services);
  registerChainRoutes(app, services);
  registerOpenAiRoutes(app, services);
  registerJobStreamRoute(app, services);
  registerMetricsRoute(app, services);
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  return { app, services };
}
