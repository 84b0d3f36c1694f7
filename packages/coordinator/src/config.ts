// Everything an operator can set on a coordinator, with the defaults docs/API.md gives.

import { EDGE_TIMEOUT_DEFAULTS } from '@aitbc/server-edge';
import { DEFAULT_VERIFICATION, type VerificationSettings } from './verification/settings.ts';

export interface CoordinatorConfig {
  /** Bootstrap key with scope `admin`; never stored. */
  adminKey: string | null;
  maxPromptChars: number;
  /** Models accepted even when no online miner offers them. */
  models: string[];
  /** Seconds without a heartbeat after which a miner counts as offline. */
  minerTimeoutSeconds: number;
  /** Seconds a claim stays valid without a heartbeat. */
  leaseSeconds: number;
  /** Claims per job before a lapsed or retryable failure fails it for good. */
  maxAttempts: number;
  /** Chain the receipts settle on (goes into every receipt template). */
  chainId: string;
  /** How often the sweeper expires jobs and re-queues lapsed leases. */
  sweepIntervalMs: number;
  /** Longest long-poll a miner may ask for. */
  maxWaitSeconds: number;
  /** Largest request body in bytes (a completion carries the whole output). */
  bodyLimitBytes: number;
  /** Time for a request's line and headers to arrive. */
  headersTimeoutMs: number;
  /** Time for a whole request, body included, to arrive; a slower upload is cut with a 422. */
  requestTimeoutMs: number;
  /** Ed25519 secret key that co-signs receipts; null → a throwaway key (tests only). */
  coordinatorSecretKey: Uint8Array | null;
  /** Requests per minute for keys created without a limit; null → unlimited. */
  defaultRateLimitPerMinute: number | null;
  /** Shed load (SYSTEM_OVERLOADED) above this many requests in flight, long-polls not counted. */
  maxInFlight: number;
  /** Shed load when the event loop lags more than this (ms, p99 over the last second). */
  maxEventLoopDelayMs: number;
  /** RPC URL of a chain node; null → no chain (deposits, settlement and withdrawals off). */
  chainUrl: string | null;
  /** How often the chain loop reads final blocks and moves the outbox. */
  chainPollMs: number;
  /** Timeout of each call to the chain node. */
  chainTimeoutMs: number;
  /** Receipts per settlement transaction (the chain takes at most 500). */
  settleBatchMax: number;
  /** A batch goes out when settleBatchMax receipts wait, or when the oldest has waited this long. */
  settleWaitMs: number;
  /**
   * µAIT a miner must have bonded (final blocks; its registered key, bonded from its payout
   * address) to get work, and then the bound of the max prices of the jobs it holds at once;
   * 0 → off. Needs chainUrl: without a chain nothing is ever bonded.
   */
  minBondMicro: bigint;
  /** What an OpenAI-compatible request may cost (escrowed) when it names no max_price, in AITBC. */
  openAiMaxPrice: string;
  /** The most output one job may stream to its client, in UTF-8 bytes; null → bodyLimitBytes (what a completion can carry). */
  maxStreamBytes: number | null;
  /** A streaming client that reads nothing for this long is dropped as if it had left. */
  clientStallMs: number;
  /** A stream with nothing to send (its job queued, or its miner silent) sends a `: keep-alive` comment this often, so proxies and clients do not time it out. */
  sseKeepAliveMs: number;
  /** How long after completion a client may dispute a job; the miner's earnings are held until then. Clients may shorten it per job. */
  acceptanceWindowSeconds: number;
  /** The verification ladder: check rates, probation, resuming, the paying account, trusted miners. */
  verification: VerificationSettings;
  /**
   * Redis shared by several coordinators: their rate limits, and the bus that wakes long-polling
   * miners and relays streams between them. Unset → PostgreSQL's LISTEN/NOTIFY is the bus when
   * databaseUrl is set, and rate limits are per process.
   */
  redisUrl?: string;
  /** The PostgreSQL database several coordinators share (postgres://…). */
  databaseUrl?: string;
  /** Names this marketplace's Redis keys and bus channels, so that several can share one server. */
  sharedNamespace: string;
  /** Origins allowed to call from a browser (CORS): none → no CORS headers; ['*'] → any. */
  corsOrigins: string[];
  /** The built web app served at / (packages/web/dist); undefined → as installed; null → no web app at all. */
  webDir?: string | null;
  /**
   * How long (wall-clock ms) a process may use its cached copy of an API key or a miner without
   * reading it again. Changes made in this process, or announced on the bus, drop the copy at
   * once; this bounds what a lost bus message can delay. 0 turns the caches off.
   */
  recordCacheMs: number;
  /** Time in epoch ms; replaced in tests. */
  now: () => number;
}

export const DEFAULT_CONFIG: CoordinatorConfig = {
  adminKey: null,
  maxPromptChars: 32_000,
  models: [],
  minerTimeoutSeconds: 30,
  leaseSeconds: 60,
  maxAttempts: 3,
  chainId: 'aitbc-devnet',
  sweepIntervalMs: 1_000,
  maxWaitSeconds: 60,
  bodyLimitBytes: 4 * 1024 * 1024,
  ...EDGE_TIMEOUT_DEFAULTS,
  coordinatorSecretKey: null,
  defaultRateLimitPerMinute: null,
  maxInFlight: 512,
  maxEventLoopDelayMs: 1_000,
  chainUrl: null,
  chainPollMs: 1_000,
  chainTimeoutMs: 5_000,
  settleBatchMax: 500,
  settleWaitMs: 10_000,
  minBondMicro: 0n,
  openAiMaxPrice: '1',
  maxStreamBytes: null,
  clientStallMs: 15_000,
  sseKeepAliveMs: 15_000,
  acceptanceWindowSeconds: 600,
  verification: DEFAULT_VERIFICATION,
  sharedNamespace: 'aitbc',
  corsOrigins: [],
  recordCacheMs: 5_000,
  now: () => Date.now(),
};

export function resolveConfig(overrides: Partial<CoordinatorConfig> = {}): CoordinatorConfig {
  const defined = Object.fromEntries(Object.entries(overrides).filter(([, value]) => value !== undefined));
  return { ...DEFAULT_CONFIG, ...defined };
}
