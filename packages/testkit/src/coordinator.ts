// A coordinator on a real port and a fresh database per test, plus the few client and miner
// moves the tests need, spoken over real HTTP. The engine is SQLite (a file per test), or
// PostgreSQL (a database per test, dropped after) when AITBC_TEST_ENGINE=postgres: the same tests
// then hold the PostgreSQL engine to the same behaviour.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { base64urlEncode, completeReceipt, generateKeyPair, jobType, parseAmount, signReceipt, type JobKind, type JobOutput, type Receipt, type ReceiptTemplate, type RunFacts } from '@aitbc/protocol';
import { buildApp, DEFAULT_VERIFICATION, openStore, stopCoordinator, SqliteStore, type PostgresStore, type AuditedStore, type StoreLocation, type App, type CoordinatorConfig, type CoordinatorStore, type LoadMonitor, type Services, type VerificationSettings } from '@aitbc/coordinator';
import { httpClient, type HttpAnswer, type RequestFn } from './http.ts';
import { createTestDatabase } from './postgres.ts';
import { ManualClock } from './clock.ts';

/** The engine test coordinators run on (AITBC_TEST_ENGINE: sqlite, the default, or postgres). */
export const TEST_ENGINE: 'sqlite' | 'postgres' = process.env.AITBC_TEST_ENGINE === 'postgres' ? 'postgres' : 'sqlite';

export const ADMIN_KEY = 'aitbc_test_admin_key';

/**
 * Tests share a busy machine (and each other's process): shedding load on event-loop lag would
 * turn their requests away at random. A test of load shedding sets its own threshold.
 */
export const TEST_MAX_EVENT_LOOP_DELAY_MS = 60_000;

/**
 * Test coordinators check nothing unless a test sets rates: a random canary or re-run would add
 * jobs that other tests do not expect. A verification test sets its own (0 or 1, never luck).
 */
export const NO_CHECKS: VerificationSettings = { ...DEFAULT_VERIFICATION, reexecutionRate: 0, canaryRate: 0, probationReexecutionRate: 0, probationCanaryRate: 0 };

export interface TestCoordinator {
  app: App;
  services: Services;
  /** In-flight requests and event-loop delay, as the load shedding sees them. */
  load: LoadMonitor;
  store: AuditedStore;
  /** Where its books are: pass the coordinator to another startTestCoordinator to share them. */
  database: StoreLocation;
  /** Rows of a read-only query written in SQL both engines speak (`?` placeholders): what a test checks in the tables. */
  query(sql: string, params?: unknown[]): Promise<Record<string, unknown>[]>;
  /** The SQLite engine itself, for a test that reads its tables; such a test runs on SQLite only (it throws on PostgreSQL). */
  readonly sqlite: SqliteStore;
  url: string;
  request: RequestFn;
  createKey(scopes: string[], extra?: Record<string, unknown>): Promise<string>;
  /** A client key for `account`, credited with `amount` AITBC. */
  createClient(account: string, amount?: string, extra?: Record<string, unknown>): Promise<string>;
  credit(account: string, amount: string): Promise<HttpAnswer>;
  /** The ledger audit; throws with every problem when the books do not balance. */
  assertLedger(): Promise<void>;
  close(): Promise<void>;
}

/** A fresh database of the test engine, and how to remove it. */
async function newDatabase(): Promise<{ location: StoreLocation; remove(): Promise<void> }> {
  if (TEST_ENGINE === 'postgres') {
    const database = await createTestDatabase();
    return { location: { engine: 'postgres', url: database.url }, remove: () => database.drop() };
  }
  const dir = mkdtempSync(join(tmpdir(), 'aitbc-test-'));
  return { location: { engine: 'sqlite', path: join(dir, 'coordinator.db') }, remove: async () => rmSync(dir, { recursive: true, force: true }) };
}

export async function startTestCoordinator(
  config: Partial<CoordinatorConfig> = {},
  wrapStore: (store: AuditedStore) => CoordinatorStore = (store) => store,
  /** Another test coordinator whose database this one shares, as a second process would (that one removes it). */
  joining?: TestCoordinator,
): Promise<TestCoordinator> {
  const owned = joining ? null : await newDatabase();
  const database = joining?.database ?? owned!.location;
  const store: AuditedStore = await openStore(database);
  const shared = database.engine === 'postgres' ? { databaseUrl: database.url } : {};
  const { app, services, load } = await buildApp({ store: wrapStore(store), config: { ...shared, adminKey: ADMIN_KEY, maxEventLoopDelayMs: TEST_MAX_EVENT_LOOP_DELAY_MS, verification: NO_CHECKS, acceptanceWindowSeconds: 0, ...config } });
  services.sweeper.start();
  await services.chain?.start();
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;

  const request = httpClient(url);
  let closing: Promise<void> | null = null;

  const createKey: TestCoordinator['createKey'] = async (scopes, extra = {}) => {
    const answer = await request('POST', '/v1/admin/keys', { key: ADMIN_KEY, body: { scopes, ...extra } });
    if (answer.status !== 201) throw new Error(`key creation failed: ${answer.text}`);
    return answer.body.key as string;
  };
  const credit: TestCoordinator['credit'] = (account, amount) => request('POST', `/v1/admin/accounts/${account}/credit`, { key: ADMIN_KEY, body: { amount } });

  return {
    app,
    services,
    load,
    store,
    database,
    async query(sql, params = []) {
      if (store instanceof SqliteStore) return store.db.prepare(sql).all(...params) as Record<string, unknown>[];
      return (store as PostgresStore).db.q.all(sql, params);
    },
    get sqlite() {
      if (store instanceof SqliteStore) return store;
      throw new Error('this test reads the SQLite engine\'s tables: it runs on AITBC_TEST_ENGINE=sqlite only');
    },
    url,
    request,
    createKey,
    credit,
    async createClient(account, amount = '1000', extra = {}) {
      const key = await createKey(['client'], { account, ...extra });
      const credited = await credit(account, amount);
      if (credited.status !== 200) throw new Error(`credit failed: ${credited.text}`);
      return key;
    },
    async assertLedger() {
      const audit = await store.auditLedger();
      if (!audit.ok) throw new Error(`ledger problems:\n${audit.problems.join('\n')}`);
    },
    close() {
      // Once, however often it is called (a test may close it early and again in `finally`).
      closing ??= stopCoordinator(app, services, store).then(() => owned?.remove());
      return closing;
    },
  };
}

/** A miner identity: its signing key and what it registers with. */
export class TestMiner {
  readonly keys = generateKeyPair();

  constructor(
    readonly coordinator: { request: RequestFn },
    readonly apiKey: string,
    readonly minerId: string,
    readonly models: Record<string, string> = { 'llama3.2': '0.002' },
    readonly maxConcurrency = 1,
  ) {}

  get publicKey(): string {
    return base64urlEncode(this.keys.publicKey);
  }

  register(extra: Record<string, unknown> = {}): Promise<HttpAnswer> {
    return this.coordinator.request('POST', '/v1/miners/register', {
      key: this.apiKey,
      body: { miner_id: this.minerId, public_key: this.publicKey, models: Object.keys(this.models), prices: this.models, max_concurrency: this.maxConcurrency, ...extra },
    });
  }

  poll(waitSeconds = 0): Promise<HttpAnswer> {
    return this.coordinator.request('POST', '/v1/miners/poll', { key: this.apiKey, body: { miner_id: this.minerId, wait_seconds: waitSeconds } });
  }

  heartbeat(): Promise<HttpAnswer> {
    return this.coordinator.request('POST', '/v1/miners/heartbeat', { key: this.apiKey, body: { miner_id: this.minerId } });
  }

  /**
   * The signed receipt and completion body for a claimed job (from a poll or claim answer); `run`
   * for a version-2 template. `output` is the text, or a whole JobOutput (tool calls, vectors),
   * hashed as the claim's job type says.
   */
  completion(
    claim: { receipt_template: ReceiptTemplate; max_price: string; claimed_at: string; kind?: JobKind },
    output: string | JobOutput = 'the answer',
    usage = { prompt_tokens: 5, completion_tokens: 7 },
    now = Date.parse(claim.claimed_at),
    run?: RunFacts,
  ) {
    const whole: JobOutput = typeof output === 'string' ? { text: output } : output;
    const unsigned = completeReceipt(claim.receipt_template, {
      units: BigInt(usage.prompt_tokens + usage.completion_tokens),
      maxPriceMicro: parseAmount(claim.max_price),
      output: jobType(claim.kind ?? 'text').outputText(whole),
      startedAt: Date.parse(claim.claimed_at),
      completedAt: now,
      run,
    });
    const receipt: Receipt = signReceipt(unsigned, 'miner', this.keys.secretKey);
    const extras = { ...(whole.tool_calls ? { tool_calls: whole.tool_calls } : {}), ...(whole.embeddings ? { embeddings: whole.embeddings } : {}) };
    return { miner_id: this.minerId, output: whole.text, ...extras, usage, receipt };
  }

  complete(jobId: string, body: unknown): Promise<HttpAnswer> {
    return this.coordinator.request('POST', `/v1/jobs/${jobId}/complete`, { key: this.apiKey, body });
  }

  fail(jobId: string, reason = 'backend crashed', retryable = true): Promise<HttpAnswer> {
    return this.coordinator.request('POST', `/v1/jobs/${jobId}/fail`, { key: this.apiKey, body: { miner_id: this.minerId, reason, retryable } });
  }
}

export function submitBody(extra: Record<string, unknown> = {}) {
  return { model: 'llama3.2', prompt: 'Explain ZK proofs.', params: { max_tokens: 64, temperature: 0.7 }, max_price: '2.5', ...extra };
}

/** The start most job tests share: a coordinator on a manual clock, a client and one registered miner. */
export interface CoordinatorWithMiner {
  coordinator: TestCoordinator;
  clock: ManualClock;
  /** The API key of account `alice`. */
  client: string;
  minerKey: string;
  /** `gpu-box-1`, offering llama3.2 at 0.002 AITBC a token. */
  miner: TestMiner;
}

/** Starts one (leases of 60 s unless `config` says otherwise); `credit` funds alice, `slots` is the miner's max_concurrency. */
export async function startWithMiner({ config = {}, credit, slots }: { config?: Partial<CoordinatorConfig>; credit?: string; slots: number }): Promise<CoordinatorWithMiner> {
  const clock = new ManualClock();
  const coordinator = await startTestCoordinator({ now: clock.now, leaseSeconds: 60, ...config });
  const client = await coordinator.createClient('alice', credit);
  const minerKey = await coordinator.createKey(['miner']);
  const miner = new TestMiner(coordinator, minerKey, 'gpu-box-1', { 'llama3.2': '0.002' }, slots);
  const registered = await miner.register();
  if (registered.status !== 201) throw new Error(`the test miner's registration answered ${registered.status}: ${registered.text}`);
  return { coordinator, clock, client, minerKey, miner };
}
