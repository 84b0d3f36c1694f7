// A small marketplace of real processes for end-to-end tests: one `aitbc coordinator` on its own
// temporary database, `aitbc miner --backend demo` processes each under its own miner key (so each
// is a different owner), and clients that submit load and read the books over HTTP.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatAmount, parseAmount } from '@aitbc/protocol';
import { AitbcClient, type Job, type JobResult, type Miner } from '@aitbc/sdk';
import { startAitbc, stopWith, type Started } from '@aitbc/testkit/processes';
import { until } from '@aitbc/testkit';

const ADMIN_KEY = 'aitbc_e2e_admin_key';

/** Waiting clients poll the coordinator, not the wall clock: the test's waits are `until()`s. */
const quickSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.min(ms, 100)));

export interface RunningMiner {
  id: string;
  process: Started;
  /** Its --data-dir: the miner-key file there holds the key its receipts are signed with (and a bond is on). */
  dataDir: string;
  /** Its miner-scope key: the owner the coordinator tells miners apart by. */
  client: AitbcClient;
}

/** A miner process's JSON log lines of one event kind (the cheating warning and other text skipped). */
export function minerEvents(miner: RunningMiner, event: string): Record<string, unknown>[] {
  return miner.process
    .output()
    .split('\n')
    .filter((line) => line.includes(`"event":"${event}"`))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** GET /v1/miners/{id} with the verification ladder's standing. */
export type MinerStanding = Miner & { paused: boolean; pause_reason: string | null; needs_review: boolean };

/** GET /v1/jobs/{id} of a job submitted with `verify`: its re-run and their verdict. */
export type VerifiedJob = Job & { verify: boolean; verification: { status: 'pending' | 'agreed' | 'disagreed' | 'inconclusive' | 'abandoned'; job_id: string; detail: string } | null };

/** A check as GET /v1/admin/checks lists it. */
export interface Check {
  check_id: number;
  kind: 'canary' | 'reexecution';
  /** The miner checked: the canary's, or the one whose client job was re-run. */
  miner_id: string;
  subject_job_id: string | null;
  check_job_id: string;
  tiebreak_job_ids: string[];
  verdict: 'agree' | 'disagree' | 'inconclusive' | 'abandoned' | null;
  rule: string | null;
  detail: string | null;
}

export interface LedgerAudit {
  ok: boolean;
  problems: string[];
  jobs: number;
  totals: Record<string, string>;
}

export class Market {
  /** Holds the admin key. */
  readonly operator: AitbcClient;
  readonly public: AitbcClient;
  private readonly miners: RunningMiner[] = [];

  private constructor(
    readonly url: string,
    readonly dir: string,
    readonly coordinator: Started,
  ) {
    this.operator = new AitbcClient({ baseUrl: url, apiKey: ADMIN_KEY });
    this.public = new AitbcClient({ baseUrl: url });
  }

  /**
   * A coordinator process with `flags` and `env` (e.g. raised check rates) on a fresh database, stopped
   * with its miners when test `t` ends. `flags` come last, so they may set another --acceptance-window.
   */
  static async start(t: { after(fn: () => Promise<void>): void }, flags: string[] = [], env: Record<string, string> = {}): Promise<Market> {
    const dir = mkdtempSync(join(tmpdir(), 'aitbc-e2e-market-'));
    const coordinator = await startAitbc(
      // Tests share a busy 2-core machine: shedding load on event-loop lag would turn requests away at
      // random. No acceptance window unless a test sets one: earnings are claimable at completion.
      ['coordinator', '--port', '0', '--db', join(dir, 'coordinator.db'), '--admin-key', ADMIN_KEY, '--log-level', 'warn', '--max-event-loop-delay', '60000', '--acceptance-window', '0', ...flags],
      /listening on (http:\/\/\S+)/,
      { cwd: dir, env: { ...process.env, ...env } },
    );
    const market = new Market(coordinator.ready[1]!, dir, coordinator);
    t.after(() => market.stop());
    return market;
  }

  get dbPath(): string {
    return join(this.dir, 'coordinator.db');
  }

  /** An `aitbc miner --backend demo` process under a fresh miner key, resolved once registered. */
  async startMiner(id: string, extra: string[] = []): Promise<RunningMiner> {
    const { key } = await this.operator.admin.createKey({ scopes: ['miner'] });
    const dataDir = join(this.dir, id);
    const process = await startAitbc(
      ['miner', '--coordinator-url', this.url, '--api-key', key, '--miner-id', id, '--data-dir', dataDir, '--backend', 'demo', ...extra],
      /"event":"registered"/,
      { cwd: this.dir },
    );
    const miner = { id, process, dataDir, client: new AitbcClient({ baseUrl: this.url, apiKey: key }) };
    this.miners.push(miner);
    return miner;
  }

  /** A client key for `account`, credited with `amount` AITBC. */
  async client(account: string, amount: string): Promise<AitbcClient> {
    const { client } = await this.unfundedClient(account);
    await this.operator.admin.credit(account, amount);
    return client;
  }

  /** A client key for `account` (for the command line too) and nothing credited: the account is known, so a chain deposit naming it is credited. */
  async unfundedClient(account: string): Promise<{ client: AitbcClient; key: string }> {
    const { key } = await this.operator.admin.createKey({ scopes: ['client'], account });
    return { client: new AitbcClient({ baseUrl: this.url, apiKey: key, sleep: quickSleep }), key };
  }

  /** The miner's public view, standing included. */
  miner(id: string): Promise<MinerStanding> {
    return this.public.miners.get(id) as Promise<MinerStanding>;
  }

  /** The coordinator's ledger audit (GET /v1/admin/ledger). */
  audit(): Promise<LedgerAudit> {
    return this.adminGet('/v1/admin/ledger');
  }

  /** GET an admin route, failing on anything but 200. */
  async adminGet<T>(path: string): Promise<T> {
    const response = await fetch(`${this.url}${path}`, { headers: { 'x-api-key': ADMIN_KEY } });
    if (response.status !== 200) throw new Error(`GET ${path}: ${response.status} ${await response.text()}`);
    return (await response.json()) as T;
  }

  /** Every check the coordinator recorded (GET /v1/admin/checks), for one miner or all. */
  async checks(minerId?: string): Promise<Check[]> {
    const checks: Check[] = [];
    for (let cursor: string | null = null; ; ) {
      const query: URLSearchParams = new URLSearchParams({ limit: '100', ...(minerId ? { miner_id: minerId } : {}), ...(cursor ? { cursor } : {}) });
      const page: { items: Check[]; next_cursor: string | null } = await this.adminGet(`/v1/admin/checks?${query}`);
      checks.push(...page.items);
      if (!page.next_cursor) return checks;
      cursor = page.next_cursor;
    }
  }

  async stop(): Promise<void> {
    for (const miner of this.miners.splice(0)) await stopWith(miner.process.child);
    await stopWith(this.coordinator.child);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

const PROMPTS = ['Alice was beginning', 'The Queen said', 'Down the rabbit hole', 'The Hatter opened his eyes', 'Curiouser and curiouser'];

/** The i-th job of a load: a short demo completion with a fixed seed, so any run of it can be reproduced. */
export function demoJob(i: number, extra: Record<string, unknown> = {}) {
  return { model: 'demo', prompt: PROMPTS[i % PROMPTS.length]!, max_price: '1', params: { max_tokens: 12, seed: i }, ...extra };
}

/** Submits jobs 0..count − 1 without waiting for them, 16 submissions in flight; their ids in order. */
export async function submitLoad(client: AitbcClient, count: number): Promise<string[]> {
  const ids: string[] = new Array(count);
  let next = 0;
  const lane = async () => {
    while (next < count) {
      const i = next++;
      ids[i] = (await client.jobs.submit(demoJob(i))).job_id;
    }
  };
  await Promise.all(Array.from({ length: 16 }, lane));
  return ids;
}

/**
 * Runs jobs `from`.. in `lanes` lanes, each lane waiting for its job's result before submitting the
 * next (clients that wait, so few jobs queue at once), until `count` ran or `enough()` says so.
 */
export async function runJobs(client: AitbcClient, count: number, options: { from?: number; lanes?: number; enough?: () => Promise<boolean> } = {}): Promise<JobResult[]> {
  const { from = 0, lanes = 2, enough = async () => false } = options;
  const results: JobResult[] = [];
  let next = 0;
  let done = false;
  const lane = async () => {
    while (!done && next < count) {
      results.push(await client.jobs.run(demoJob(from + next++)));
      if (await enough()) done = true;
    }
  };
  await Promise.all(Array.from({ length: lanes }, lane));
  return results;
}

/**
 * Gives each miner a record before a test begins: client jobs (numbered from `from`) until each has
 * completed `count`, e.g. to be past a short `--probation-jobs` and so allowed to verify others.
 * Twice as many lanes as miners keep them all busy, whoever the coordinator prefers to wake.
 */
export async function warmUp(market: Market, client: AitbcClient, minerIds: string[], count: number, from = 10_000): Promise<void> {
  const ready = async () => (await Promise.all(minerIds.map((id) => market.miner(id)))).every((miner) => miner.reputation.jobs_completed >= count);
  await runJobs(client, 100 * count * minerIds.length, { from, lanes: 2 * minerIds.length, enough: ready });
  if (!(await ready())) throw new Error(`warm-up: not every miner of ${minerIds.join(', ')} completed ${count} jobs`);
}

/** Resolves once nothing of the client's is queued or running (nothing left in escrow). */
export async function untilSettled(client: AitbcClient, what: string, ms = 120_000): Promise<void> {
  await until(async () => (await client.account.get()).escrowed === '0', what, ms);
}

/** Every job of the client's account, page by page. */
export async function allJobs(client: AitbcClient): Promise<Job[]> {
  const jobs: Job[] = [];
  for (let cursor: string | undefined; ; ) {
    const page = await client.jobs.list({ limit: 100, cursor });
    jobs.push(...page.items);
    if (!page.next_cursor) return jobs;
    cursor = page.next_cursor;
  }
}

/** What the jobs cost, in µAIT (unfinished jobs cost nothing). */
export function spentMicro(jobs: Job[]): bigint {
  return jobs.reduce((sum, job) => sum + (job.price === null ? 0n : parseAmount(job.price)), 0n);
}

/** available + escrowed + spent, in AITBC: what a client was credited, when its refunds are exact. */
export async function accountedFor(client: AitbcClient, jobs: Job[]): Promise<string> {
  const account = await client.account.get();
  return formatAmount(parseAmount(account.available) + parseAmount(account.escrowed) + spentMicro(jobs));
}

