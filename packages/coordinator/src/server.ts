// Runs a coordinator: opens the store, builds the app, listens, sweeps, and shuts down cleanly
// and promptly on SIGINT/SIGTERM: long-polls are answered 204, clients waiting on a job get
// SYSTEM_MAINTENANCE (the job is cancelled and refunded), miner streams are cut, other requests
// in flight get up to 2 s, then every connection is closed (http/shutdown.ts).

import { buildApp, type App, type Services } from './app.ts';
import type { CoordinatorConfig } from './config.ts';
import { loadOrCreateKeyFile } from '@aitbc/protocol/node';
import { openStore, type StoreLocation } from './store/open-store.ts';

export interface ServeOptions {
  port: number;
  host: string;
  database: StoreLocation;
  /** Where the co-signing key lives (made on first start). */
  keyFile: string;
  config: Partial<CoordinatorConfig>;
  logger?: boolean | { level: string };
}

export interface RunningCoordinator {
  app: App;
  services: Services;
  url: string;
  close(): Promise<void>;
}

export async function startCoordinator(options: ServeOptions): Promise<RunningCoordinator> {
  const store = await openStore(options.database);
  const coordinatorSecretKey = loadOrCreateKeyFile(options.keyFile).secretKey;
  // On PostgreSQL the processes sharing the database also share its LISTEN/NOTIFY bus (unless Redis carries it).
  const databaseUrl = options.database.engine === 'postgres' ? options.database.url : undefined;
  const { app, services } = await buildApp({ store, config: { databaseUrl, ...options.config, coordinatorSecretKey }, logger: options.logger ?? false });
  await services.sweeper.sweepOnce();
  services.sweeper.start();
  await services.chain?.start();
  await app.listen({ port: options.port, host: options.host });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  let closing: Promise<void> | null = null;
  return {
    app,
    services,
    url: `http://${options.host === '0.0.0.0' || options.host === '::' ? '127.0.0.1' : options.host}:${port}`,
    close() {
      closing ??= stopCoordinator(app, services, store);
      return closing;
    },
  };
}

/** Stops what startCoordinator started, in order: waiters, background duties, the server, then the store. */
export async function stopCoordinator(app: App, services: Services, store: { close(): Promise<void> }): Promise<void> {
  services.signal.close();
  await services.sweeper.stop();
  await services.chain?.stop();
  await app.close();
  await store.close();
}
