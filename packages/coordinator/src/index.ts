// Public entry of @aitbc/coordinator.
export { buildApp, type App, type Services, type BuildOptions } from './app.ts';
export type { LoadMonitor } from './http/guards.ts';
export { startCoordinator, stopCoordinator, type RunningCoordinator, type ServeOptions } from './server.ts';
export { DEFAULT_CONFIG, resolveConfig, type CoordinatorConfig } from './config.ts';
export { SqliteStore } from './store/sqlite/sqlite-store.ts';
export type { PostgresStore } from './store/postgres/pg-store.ts'; // opened through openStore, which loads the driver only then
export { openStore, describeLocation, type StoreLocation, type AuditedStore } from './store/open-store.ts';
export type { CoordinatorStore } from './store/store.ts';
export { auditLedger, type LedgerAudit, type LedgerSnapshot } from './ledger/audit.ts';
export { auditView } from './routes/money.ts';
export { ChainService } from './chain/chain-service.ts';
export { chainAdminView } from './routes/chain.ts';
export { DEFAULT_VERIFICATION, checkVerificationSettings, type VerificationSettings } from './verification/settings.ts';
