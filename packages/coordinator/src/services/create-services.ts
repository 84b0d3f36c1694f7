// The coordinator's services, built from a store and the config, and wired to one another (the
// sweeper's periodic duties, the chain's slasher). Routes get these, never the store itself.

import type { FastifyBaseLogger } from 'fastify';
import { generateKeyPair, newId } from '@aitbc/protocol';
import { ChainService } from '../chain/chain-service.ts';
import type { CoordinatorConfig } from '../config.ts';
import { createdJobView } from '../http/views.ts';
import type { CoordinatorStore } from '../store/store.ts';
import { AccountService } from './accounts.ts';
import { CacheInvalidation } from './cache-invalidation.ts';
import { DisputeService } from './disputes.ts';
import { DutyLease } from './duty-lease.ts';
import { JobService } from './jobs.ts';
import { KeyService } from './keys.ts';
import { Maintenance } from './maintenance.ts';
import { MinerDirectory } from './miner-directory.ts';
import { CoordinatorMetrics } from './metrics.ts';
import { MinerService } from './miners.ts';
import { ReceiptService } from './receipts.ts';
import { DashboardService } from './dashboards.ts';
import { SettlementBacklog } from './settlement-backlog.ts';
import { openSharedParts } from './shared-parts.ts';
import type { StreamHub } from './stream-hub.ts';
import { Sweeper } from './sweeper.ts';
import type { RateLimiter } from './token-bucket.ts';
import { VerificationService } from './verification.ts';
import type { WorkSignal } from './work-signal.ts';

/** Receipts the sweeper releases from their acceptance window per tick (one transaction). */
const RELEASE_BATCH = 500;
/** The shortest sweeper lease: a few ticks, so one slow tick does not hand the duty over. */
const SWEEPER_LEASE_MIN_MS = 10_000;
/** The chain duty's lease: longer than a pass that waits on a slow node for each outbox step. */
const CHAIN_LEASE_MS = 120_000;

export interface Services {
  config: CoordinatorConfig;
  signal: WorkSignal;
  /** Drops cached keys and miners here and in the other processes when they change. */
  invalidation: CacheInvalidation;
  keys: KeyService;
  directory: MinerDirectory;
  jobs: JobService;
  miners: MinerService;
  accounts: AccountService;
  receipts: ReceiptService;
  dashboards: DashboardService;
  maintenance: Maintenance;
  sweeper: Sweeper;
  /** Requests per key per minute. */
  rateLimiter: RateLimiter;
  /** Live output of jobs that OpenAI-compatible clients wait on. */
  hub: StreamHub;
  /** Canaries, re-executions, verdicts and pauses (issue 12). */
  verification: VerificationService;
  /** Clients' disputes inside the acceptance window (issue 13). */
  disputes: DisputeService;
  /** Operator metrics of this app (GET /metrics), observed by the services as things happen. */
  metrics: CoordinatorMetrics;
  /** Settlement lag and outbox states, read at scrape time. */
  backlog: SettlementBacklog;
  /** The link to the chain node; null without --chain-url. */
  chain: ChainService | null;
  /** Closes what the signal, hub and rate limiter share with other coordinators (bus, Redis). */
  closeShared(): Promise<void>;
  startedAt: number;
}

export async function createServices(store: CoordinatorStore, config: CoordinatorConfig, log: FastifyBaseLogger): Promise<Services> {
  // Names this process in the duty leases it holds among the coordinators on this database.
  const processId = newId('proc');
  // Shared with the other coordinators on this database (bus, Redis), or in memory when alone.
  const shared = await openSharedParts(config, processId, log);
  const { signal, hub, rateLimiter } = shared;
  const invalidation = new CacheInvalidation(shared.bus, processId, log);
  await invalidation.open();
  const directory = new MinerDirectory(store, config, invalidation);
  const signingKey = config.coordinatorSecretKey ?? generateKeyPair().secretKey;
  const maintenance = new Maintenance(store);
  await maintenance.refresh();
  const verification = new VerificationService(store, signal, config, log);
  const metrics = new CoordinatorMetrics();
  const services: Services = {
    config,
    signal,
    invalidation,
    directory,
    keys: new KeyService(store, config.adminKey, config.now, invalidation, config.recordCacheMs),
    jobs: new JobService(store, directory, signal, config, createdJobView),
    miners: new MinerService(store, directory, signal, config, signingKey, hub, verification, metrics),
    hub,
    verification,
    disputes: new DisputeService(store, verification, signal, config),
    accounts: new AccountService(store, directory, config),
    receipts: new ReceiptService(store, directory, config, signingKey),
    dashboards: new DashboardService(store, directory, config),
    maintenance,
    sweeper: new Sweeper(store, signal, config, log, new DutyLease(store, 'sweeper', processId, Math.max(SWEEPER_LEASE_MIN_MS, 3 * config.sweepIntervalMs), config.now)),
    rateLimiter,
    metrics,
    backlog: new SettlementBacklog(store, config),
    chain: config.chainUrl ? new ChainService(store, config, signingKey, log, new DutyLease(store, 'chain', processId, CHAIN_LEASE_MS, config.now)) : null,
    closeShared: () => shared.close(),
    startedAt: config.now(),
  };
  verification.onStandingChanged = (minerId) => directory.minerChanged(minerId);
  if (services.chain) verification.onRunFailed = (failure) => services.chain!.slasher.failed(failure);
  services.sweeper.also(() => maintenance.refresh());
  services.sweeper.also(() => rateLimiter.prune());
  // Held earnings whose acceptance window ended (reads of a miner's earnings, claims and
  // settlement release theirs first, so nothing waits for this tick).
  services.sweeper.alsoOwned(() => store.releaseDue(config.now(), RELEASE_BATCH));
  // A check whose job ended without a verdict (failed, expired, cancelled, or a crash in between).
  services.sweeper.alsoOwned(() => verification.decideEnded());
  return services;
}
