// The shared engine: the coordinator store on PostgreSQL, for several coordinator processes on one
// database. Same behaviour as the SQLite engine (src/store/sqlite/sqlite-store.ts, whose comments
// give the rules; the conformance suite holds the two together); what differs is concurrency.
// Each step is one READ COMMITTED transaction (db.tx, retried whole on deadlock): a step that reads
// and then writes locks what it read (FOR UPDATE) or writes through a guard (UPDATE … WHERE <still
// true>). Locks are taken job row, then account, then miner rows, so steps rarely deadlock.

import { fileURLToPath } from 'node:url';
import { auditLedger, type LedgerAudit, type LedgerSnapshot } from '../../ledger/audit.ts';
import * as movements from '../../ledger/movements.ts';
import type { DisputeState } from '../../verification/dispute.ts';
import type { Standing } from '../../verification/pause.ts';
import { toStoredReceipt } from '../sqlite/chain-tables.ts';
import { toJob } from '../sqlite/job-rows.ts';
import { num } from '../sqlite/rows.ts';
import type {
  AccountBalance,
  ApiKeyRecord,
  BatchSubmit,
  ClaimManyOutcome,
  ClaimManyRequest,
  BondEvent,
  CanaryRecord,
  ChainBooksSnapshot,
  ChainDeposit,
  CheckDecision,
  CheckJobOutcome,
  CheckOutcome,
  CheckPage,
  CheckRecord,
  ClaimJobOutcome,
  ClaimNextOutcome,
  ClaimRequest,
  Completion,
  CompletionOutcome,
  CoordinatorStore,
  CreditOutcome,
  DecisionOutcome,
  DepositRecord,
  DisputeOutcome,
  DisputeRequest,
  HeldJobs,
  IdempotencyClaim,
  JobPage,
  JobRecord,
  JobStatus,
  MinerBond,
  MinerEarnings,
  MinerListPosition,
  MinerPage,
  MinerRecord,
  MinerRegistration,
  MinerTrackRecord,
  ModelOffer,
  NewCanary,
  NewCheck,
  NewJob,
  NewSlash,
  OutboxCount,
  OutboxRecord,
  OutboxState,
  QuotaClaim,
  ReceiptClaimOutcome,
  StoredReceipt,
  SubmitOutcome,
  TiebreakOutcome,
  TransitionOutcome,
  WithdrawalOutcome,
  DayEarnings,
  DaySpend,
  MarketActivity,
  MinerPayout,
  ReceiptListQuery,
  ReceiptPage,
} from '../store.ts';
import { JOB_STATUSES, NOT_FINAL_OUTBOX_STATES } from '../store.ts';
import { PgAcceptance } from './acceptance.ts';
import { COUNTED_BOND_SQL, PgBondTables } from './bond-tables.ts';
import { PgChainTables } from './chain-tables.ts';
import { PgDb, type Queryable } from './pg-db.ts';
import { insertJob, jobRow } from './pg-job-rows.ts';
import { claimerParams, completionParams, failureError, INSERT_RECEIPT, jobListStatement, jobPage, receiptValues } from '../rows/job-params.ts';
import { PgKeyTables } from './pg-key-tables.ts';
import { COMPLETED_SINCE, EARNINGS_BY_DAY, KEY_SUBMITS, MINER_PAYOUTS, QUEUED_BY_MODEL, SPEND_BY_DAY, receiptListStatement, receiptPage, toDayEarnings, toDaySpend, toMinerPayout } from '../rows/dashboard-reads.ts';
import { PgLedger } from './pg-ledger.ts';
import { lockIncoming } from './pg-locks.ts';
import { readLedgerSnapshot } from './pg-ledger-snapshot.ts';
import { migratePostgres } from './pg-migrate.ts';
import { PgMinerRecord } from './pg-miner-record.ts';
import { PgMinerTables } from './pg-miner-tables.ts';
import { PgVerificationTables } from './verification-tables.ts';

// The SQLite engine's CLAIMABLE (its comment gives the rules), with parameter types PostgreSQL
// cannot infer, jsonb for the excluded owners, and the exposure sum in NUMERIC (a held total plus
// a max price may pass 2^63).
const CLAIMABLE = `
  j.status = 'queued' AND j.deadline > @now::bigint AND j.awaiting_subject = 0
  AND (j.pinned_miner_id IS NULL OR j.pinned_miner_id = @minerId::text)
  AND j.max_price_micro / j.min_units >= mm.unit_price_micro
  AND (j.required_digest IS NULL OR j.required_digest = mm.model_digest)
  AND (mm.capabilities & j.requires) = j.requires
  AND j.min_reputation_ppm <= @scorePpm::bigint
  AND (j.excluded_owners = '[]' OR NOT jsonb_exists(j.excluded_owners::jsonb, @ownerKeyId::text))
  AND (@paused::int = 0 OR (j.purpose = 'canary' AND j.pinned_miner_id = @minerId::text))
  AND (j.purpose NOT IN ('reexecution', 'tiebreak') OR (@paused::int = 0 AND (@trusted::int = 1 OR @jobsSinceProbation::bigint >= @probationJobs::bigint)))
  AND (@minBond::int = 0 OR @heldMicro::numeric + j.max_price_micro <= @bondedMicro::numeric)`;

/** How many of the oldest claimable jobs a claim tries before it sorts the whole queue: about as many as claims run at once. */
const CANDIDATES = 16;

/** The oldest CANDIDATES claimable jobs: of each of the miner's models by walking the queue index in order, then of those; no lock. */
const OLDEST_CLAIMABLE = `
  SELECT c.job_id FROM miner_models mm CROSS JOIN LATERAL (
    SELECT j.job_id, j.queued_at, j.seq FROM jobs j WHERE j.model = mm.model AND ${CLAIMABLE} ORDER BY j.queued_at, j.seq LIMIT ${CANDIDATES}) c
  WHERE mm.miner_id = @minerId::text ORDER BY c.queued_at, c.seq LIMIT ${CANDIDATES}`;

/**
 * Of the given jobs (oldest first), the first still claimable by the miner that no other claim
 * holds, locked, with the miner's price for it. Walked in the given order so that each is one
 * primary-key lookup (a sort over `job_id = ANY(…)` let the planner scan the queue instead).
 */
const LOCK_CLAIMABLE = `
  SELECT j.job_id, mm.unit_price_micro FROM unnest(@jobIds::text[]) WITH ORDINALITY AS c(job_id, n)
  JOIN jobs j ON j.job_id = c.job_id JOIN miner_models mm ON mm.miner_id = @minerId::text AND mm.model = j.model
  WHERE ${CLAIMABLE} ORDER BY c.n LIMIT 1 FOR UPDATE OF j SKIP LOCKED`;

/** The oldest claimable job no other claim holds, locked: sorts all the miner's queued jobs. */
const OLDEST_UNLOCKED = `
  SELECT j.job_id, mm.unit_price_micro FROM jobs j JOIN miner_models mm ON mm.miner_id = @minerId::text AND mm.model = j.model
  WHERE ${CLAIMABLE} ORDER BY j.queued_at, j.seq LIMIT 1 FOR UPDATE OF j SKIP LOCKED`;

/** Two-key advisory locks (namespace, hashtext(key)): what a step must hold alone that has no row to lock yet. */
const LOCK_IDEMPOTENCY_KEY = 0x4149_0001;
const LOCK_QUOTA_DAY = 0x4149_0002;

export interface PostgresStoreOptions {
  /** A postgres:// connection URL. */
  url: string;
  /** Connections in this process's pool (default 10). */
  poolSize?: number;
}

export class PostgresStore implements CoordinatorStore {
  private readonly ledger = new PgLedger();
  private readonly records = new PgMinerRecord();
  private readonly keys: PgKeyTables;
  private readonly miners: PgMinerTables;
  private readonly acceptance: PgAcceptance;
  private readonly verification: PgVerificationTables;
  private readonly bonds: PgBondTables;
  private readonly chain: PgChainTables;

  private constructor(readonly db: PgDb) {
    this.keys = new PgKeyTables(db);
    this.miners = new PgMinerTables(db, this.records);
    this.acceptance = new PgAcceptance(db, this.ledger);
    this.verification = new PgVerificationTables(db, this.ledger, this.records, this.acceptance);
    this.bonds = new PgBondTables();
    this.chain = new PgChainTables(db, this.ledger, this.bonds);
  }

  /** Connects, migrates (one process at a time) and rescores every miner under the current rule. */
  static async open(options: PostgresStoreOptions): Promise<PostgresStore> {
    const db = new PgDb(options.url, { max: options.poolSize });
    try {
      await migratePostgres(db, fileURLToPath(new URL('./migrations/', import.meta.url)));
      const store = new PostgresStore(db);
      await db.tx((q) => store.records.rescoreAll(q));
      return store;
    } catch (error) {
      await db.close();
      throw error;
    }
  }

  // ---- keys (see pg-key-tables.ts)

  insertKey(key: ApiKeyRecord): Promise<void> {
    return this.keys.insert(key);
  }

  findKeyByHash(keyHash: string): Promise<ApiKeyRecord | null> {
    return this.keys.findByHash(keyHash);
  }

  revokeKey(keyId: string, now: number): Promise<boolean> {
    return this.keys.revoke(keyId, now);
  }

  listKeys(): Promise<ApiKeyRecord[]> {
    return this.keys.list();
  }

  // ---- miners (see pg-miner-tables.ts)

  async registerMiner(miner: MinerRegistration, now: number) {
    return this.miners.register(miner, now);
  }

  async getMiner(minerId: string): Promise<MinerRecord | null> {
    return this.miners.row(this.db.q, minerId);
  }

  async heartbeat(minerId: string, now: number, leaseMs: number, held: HeldJobs | null, uptimeGapMs: number): Promise<{ runningJobIds: string[]; unlisted: string[] }> {
    return this.miners.heartbeat(minerId, now, leaseMs, held, uptimeGapMs);
  }

  async countRunning(minerId: string): Promise<number> {
    return this.miners.countRunning(minerId);
  }

  async listMiners(query: { model: string | null; onlineSince: number; limit: number; after: MinerListPosition | null }): Promise<MinerPage> {
    return this.miners.list(query);
  }

  async recordCheck(check: CheckOutcome): Promise<MinerTrackRecord | null> {
    return this.db.tx((q) => this.records.check(q, check));
  }

  async modelOffers(onlineSince: number): Promise<ModelOffer[]> {
    return this.miners.offers(onlineSince);
  }

  async countMinersOnline(onlineSince: number): Promise<number> {
    return this.miners.countOnline(onlineSince);
  }

  async jobCounts(): Promise<Record<JobStatus, number>> {
    const counts = Object.fromEntries(JOB_STATUSES.map((status) => [status, 0])) as Record<JobStatus, number>;
    for (const row of await this.db.q.all('SELECT status, count(*) AS n FROM jobs GROUP BY status')) counts[row.status as JobStatus] = num(row.n);
    return counts;
  }

  // ---- jobs

  // Concurrent submits serialise where they share something: an idempotency key and a quota day
  // on advisory locks (no row exists yet to lock), the balance on the account row.
  async submitJob(job: NewJob, idempotency: IdempotencyClaim | null, quota: QuotaClaim | null, companion: NewJob | null = null): Promise<SubmitOutcome> {
    return this.db.tx((q) => this.submitOne(q, { job, idempotency, quota, companion }));
  }

  // The batch's idempotency keys are locked first, in one sorted statement, so that two batches
  // sharing keys in another order wait for each other instead of deadlocking; the items then run
  // as submitJob does (advisory locks are re-entrant).
  async submitJobs(items: BatchSubmit[]): Promise<SubmitOutcome[]> {
    return this.db.tx(async (q) => {
      const keys = [...new Set(items.flatMap(({ job, idempotency }) => (idempotency ? [`${job.account}\n${idempotency.key}`] : [])))].sort();
      if (keys.length > 0) await q.run('SELECT pg_advisory_xact_lock(?::int, hashtext(k)) FROM unnest(?::text[]) WITH ORDINALITY AS t(k, n) ORDER BY n', [LOCK_IDEMPOTENCY_KEY, keys]);
      const outcomes: SubmitOutcome[] = [];
      for (const item of items) outcomes.push(await this.submitOne(q, item));
      return outcomes;
    });
  }

  private async submitOne(q: Queryable, { job, idempotency, quota, companion = null }: BatchSubmit): Promise<SubmitOutcome> {
    if (idempotency) {
      await q.value('SELECT pg_advisory_xact_lock(?::int, hashtext(?::text))', [LOCK_IDEMPOTENCY_KEY, `${job.account}\n${idempotency.key}`]);
      const prior = await q.get('SELECT request_hash, response, created_at FROM idempotency_keys WHERE account = ? AND idempotency_key = ?', [job.account, idempotency.key]);
      if (prior && num(prior.created_at) >= idempotency.notBefore) {
        return { kind: 'existing', prior: { requestHash: prior.request_hash as string, response: prior.response as string } };
      }
      if (prior) await q.run('DELETE FROM idempotency_keys WHERE account = ? AND idempotency_key = ?', [job.account, idempotency.key]);
    }
    if (quota) {
      await q.value('SELECT pg_advisory_xact_lock(?::int, hashtext(?::text))', [LOCK_QUOTA_DAY, `${quota.keyId}\n${quota.day}`]);
      const used = num(await q.value(KEY_SUBMITS, [quota.keyId, quota.day]));
      if (used >= quota.limit) return { kind: 'quota_exceeded', used };
    }
    const available = await this.ledger.openAndLockAvailable(q, job.account, job.createdAt);
    if (available < job.maxPriceMicro + (companion?.maxPriceMicro ?? 0n)) return { kind: 'insufficient_balance', availableMicro: available };
    // Only accepted submits count against the quota.
    if (quota) {
      await q.run('INSERT INTO key_usage (key_id, day, submits) VALUES (?, ?, 1) ON CONFLICT (key_id, day) DO UPDATE SET submits = key_usage.submits + 1', [quota.keyId, quota.day]);
    }
    const created = await insertJob(q, job);
    if (idempotency) {
      await q.run('INSERT INTO idempotency_keys (account, idempotency_key, request_hash, job_id, response, created_at) VALUES (?, ?, ?, ?, ?, ?)', [
        job.account,
        idempotency.key,
        idempotency.requestHash,
        job.jobId,
        idempotency.response,
        job.createdAt,
      ]);
    }
    await this.ledger.post(q, movements.escrow(job), job.createdAt);
    if (companion) {
      await insertJob(q, companion);
      await this.ledger.post(q, movements.escrow(companion), companion.createdAt);
    }
    return { kind: 'created', job: created };
  }

  async findIdempotentSubmit(account: string, key: string, notBefore: number) {
    const row = await this.db.q.get('SELECT request_hash, response FROM idempotency_keys WHERE account = ? AND idempotency_key = ? AND created_at >= ?', [account, key, notBefore]);
    return row ? { requestHash: row.request_hash as string, response: row.response as string } : null;
  }

  async getJob(jobId: string): Promise<JobRecord | null> {
    return jobRow(this.db.q, jobId);
  }

  async listJobs(account: string, query: { status: JobStatus | null; limit: number; after: { createdAt: number; jobId: string } | null }): Promise<JobPage> {
    const statement = jobListStatement(account, query);
    return jobPage(await this.db.q.all(statement.sql, statement.params), query.limit);
  }

  /**
   * Running count against max_concurrency, or null when the miner does not exist. The miner's row
   * is locked to the transaction's end, so one miner's claims take their capacity one at a time;
   * the count is a second statement, so it sees the claims that held the lock before (a subquery
   * of the locking statement would count from that statement's older snapshot).
   */
  private async capacityLeft(q: Queryable, minerId: string): Promise<{ left: number; running: number } | null> {
    const max = await q.value('SELECT max_concurrency FROM miners WHERE miner_id = ? FOR UPDATE', [minerId]);
    if (max === undefined) return null;
    const running = num(await q.value("SELECT count(*) FROM jobs WHERE miner_id = ? AND status = 'running'", [minerId]));
    return { left: num(max) - running, running };
  }

  /** What the claim constraints need to know of the claimer (see the SQLite engine's); null for a miner not registered. */
  private async claimer(q: Queryable, request: ClaimRequest) {
    const row = await q.get(
      'SELECT m.owner_key_id, r.score_ppm, r.paused_at, r.jobs_completed - r.probation_start_jobs AS since FROM miners m JOIN miner_record r ON r.miner_id = m.miner_id WHERE m.miner_id = ?',
      [request.minerId],
    );
    if (!row) return null;
    const minBond = request.minBondMicro ?? 0n;
    if (minBond !== 0n) await this.acceptance.releaseDue(q, request.now, Number.MAX_SAFE_INTEGER, { minerId: request.minerId });
    const exposure =
      minBond === 0n
        ? { bonded: 0n, held: 0n }
        : ((await q.get(
            `SELECT ${COUNTED_BOND_SQL} AS bonded,
               (SELECT coalesce(sum(max_price_micro), 0) FROM jobs WHERE miner_id = m.miner_id AND status = 'running')
               + coalesce((SELECT held FROM miner_earnings WHERE miner_id = m.miner_id), 0) AS held
             FROM miners m WHERE m.miner_id = ?`,
            [request.minerId],
          )) as { bonded: bigint; held: bigint });
    return claimerParams(request, row, exposure);
  }

  /** The job, locked by the caller, goes to the miner (guarded on its still being queued), and the miner is seen now: one statement. */
  private async claim(q: Queryable, jobId: string, unitPriceMicro: bigint, request: ClaimRequest): Promise<JobRecord> {
    const row = await q.get(
      `WITH seen AS (UPDATE miners SET last_seen_at = @now WHERE miner_id = @minerId)
       UPDATE jobs SET status = 'running', miner_id = @minerId, attempts = attempts + 1, claimed_at = @now,
         lease_expires_at = @leaseExpiresAt, claim_nonce = @nonce, unit_price_micro = @unitPrice
       WHERE job_id = @jobId AND status = 'queued' RETURNING *`,
      { minerId: request.minerId, now: request.now, leaseExpiresAt: request.now + request.leaseMs, nonce: request.nonce, unitPrice: unitPriceMicro, jobId },
    );
    return toJob(row!);
  }

  // The oldest claimable jobs are found per model by walking the queue index in order (no lock),
  // then the oldest of them that no other claim holds is locked (SKIP LOCKED: parallel claimers
  // each take a different one without waiting; a job another claimer has just taken is re-checked,
  // still queued?, before it is returned). Only when every candidate is held does one statement
  // sort the miner's whole queue for the oldest job not held. The miner's row is locked first
  // (capacity), so one miner's claims queue behind each other while different miners' claims run
  // side by side. Measured on 2 shared cores with 5,000 jobs queued for 50 miners, one process
  // with a pool of 10: about 540 claims/s one at a time, 900/s from 8 claimers at once (nine
  // statements a claim: round trips, not the queries, set the pace).
  async claimNext(request: ClaimRequest): Promise<ClaimNextOutcome> {
    return this.db.tx((q) => this.claimOne(q, request));
  }

  // claimNext's steps once per job in one transaction: the miner's row stays locked throughout,
  // so its capacity and bond exposure are read afresh after each job taken.
  async claimMany({ nonces, ...request }: ClaimManyRequest): Promise<ClaimManyOutcome> {
    return this.db.tx(async (q): Promise<ClaimManyOutcome> => {
      const jobs: JobRecord[] = [];
      for (const nonce of nonces) {
        const outcome = await this.claimOne(q, { ...request, nonce });
        if (outcome.kind === 'capacity_full' && jobs.length === 0) return outcome;
        if (outcome.kind !== 'claimed') break;
        jobs.push(outcome.job);
      }
      return { kind: 'claimed', jobs };
    });
  }

  private async claimOne(q: Queryable, request: ClaimRequest): Promise<ClaimNextOutcome> {
    const capacity = await this.capacityLeft(q, request.minerId);
    if (!capacity) return { kind: 'none' };
    if (capacity.left <= 0) return { kind: 'capacity_full', running: capacity.running };
    const claimer = await this.claimer(q, request);
    if (!claimer) return { kind: 'none' };
    const candidates = (await q.all(OLDEST_CLAIMABLE, claimer)).map((row) => row.job_id as string);
    if (candidates.length === 0) return { kind: 'none' };
    const pick = (await q.get(LOCK_CLAIMABLE, { ...claimer, jobIds: candidates })) ?? (await q.get(OLDEST_UNLOCKED, claimer));
    if (!pick) return { kind: 'none' };
    return { kind: 'claimed', job: await this.claim(q, pick.job_id as string, pick.unit_price_micro as bigint, request) };
  }

  async claimJob(jobId: string, request: ClaimRequest): Promise<ClaimJobOutcome> {
    return this.db.tx(async (q): Promise<ClaimJobOutcome> => {
      const job = await jobRow(q, jobId, true);
      if (!job) return { kind: 'not_found' };
      // The miner locked before its exposure is read (claimer), as in claimNext; the outcomes keep the SQLite engine's order.
      const capacity = await this.capacityLeft(q, request.minerId);
      const claimer = await this.claimer(q, request);
      if (!claimer) return { kind: 'unavailable', job };
      const pick = await q.get(LOCK_CLAIMABLE, { ...claimer, jobIds: [jobId] });
      if (!pick) return { kind: 'unavailable', job };
      if (!capacity || capacity.left <= 0) return { kind: 'capacity_full', running: capacity?.running ?? 0 };
      return { kind: 'claimed', job: await this.claim(q, jobId, pick.unit_price_micro as bigint, request) };
    });
  }

  async releaseClaim(jobId: string, minerId: string, claimNonce: string, now: number): Promise<boolean> {
    const changed = await this.db.q.run(
      `UPDATE jobs SET status = 'queued', miner_id = NULL, attempts = attempts - 1, claimed_at = NULL, lease_expires_at = NULL,
         claim_nonce = NULL, unit_price_micro = NULL
       WHERE job_id = ? AND status = 'running' AND miner_id = ? AND claim_nonce = ? AND deadline > ?`,
      [jobId, minerId, claimNonce, now],
    );
    return changed > 0;
  }

  async completeJob(completion: Completion): Promise<CompletionOutcome> {
    return this.db.tx((q) => this.completeOne(q, completion));
  }

  async completeJobs(completions: Completion[]): Promise<CompletionOutcome[]> {
    return this.db.tx(async (q) => {
      const outcomes: CompletionOutcome[] = [];
      for (const completion of completions) outcomes.push(await this.completeOne(q, completion));
      return outcomes;
    });
  }

  private async completeOne(q: Queryable, completion: Completion): Promise<CompletionOutcome> {
    // The guard: of two completions (or a completion and a cancel) the second waits for this
    // row, then finds it no longer running. A job past its deadline is not completed: it is
    // expired (and refunded) here, and the completion refused, as if expired first.
    const row = await q.get(
      `UPDATE jobs SET status = 'completed', ended_at = @now, lease_expires_at = NULL, output = @output, output_data = @outputData,
         prompt_tokens = @promptTokens, completion_tokens = @completionTokens, price_micro = @price, receipt_id = @receiptId, error = NULL,
         model_digest = @modelDigest, backend = @backend, accept_until = @now::bigint + acceptance_window_ms
       WHERE job_id = @jobId AND status = 'running' AND miner_id = @minerId AND claim_nonce = @nonce AND deadline > @now RETURNING *`,
      completionParams(completion),
    );
    if (!row) {
      await this.expire(q, completion.now, completion.jobId);
      return { kind: 'refused', job: await jobRow(q, completion.jobId) };
    }
    const job = toJob(row);
    await q.run(INSERT_RECEIPT, receiptValues(completion, job));
    await this.ledger.post(q, movements.payout(job, { receiptId: completion.receipt.receipt_id, minerId: completion.minerId, priceMicro: completion.priceMicro }), completion.now);
    if (job.acceptUntil! <= completion.now) await this.acceptance.releaseDue(q, completion.now, 1, { receiptId: completion.receipt.receipt_id });
    await this.records.count(q, completion.minerId, 'jobsCompleted');
    const released = completion.release ? await this.verification.release(q, job, completion.minerId, completion.release, completion.now) : null;
    return { kind: 'done', job, released };
  }

  async failJob(input: { jobId: string; minerId: string; reason: string; retryable: boolean; now: number; maxAttempts: number; lapse?: boolean }): Promise<TransitionOutcome> {
    return this.db.tx(async (q): Promise<TransitionOutcome> => {
      await this.expire(q, input.now, input.jobId);
      const job = await jobRow(q, input.jobId, true);
      if (!job || job.status !== 'running' || job.minerId !== input.minerId) return { kind: 'refused', job };
      const requeue = input.retryable && job.attempts < input.maxAttempts;
      const row = requeue
        ? await q.get(
            `UPDATE jobs SET status = 'queued', miner_id = NULL, claimed_at = NULL, lease_expires_at = NULL, claim_nonce = NULL,
               unit_price_micro = NULL, queued_at = @now, error = @error WHERE job_id = @jobId RETURNING *`,
            { now: input.now, error: failureError(job, input, true), jobId: input.jobId },
          )
        : await q.get(`UPDATE jobs SET status = 'failed', ended_at = @now, lease_expires_at = NULL, error = @error WHERE job_id = @jobId RETURNING *`, {
            now: input.now,
            error: failureError(job, input, false),
            jobId: input.jobId,
          });
      const updated = toJob(row!);
      if (updated.status === 'failed') await this.refundJob(q, updated, input.now);
      await this.records.count(q, input.minerId, input.lapse ? 'leaseLapses' : 'jobsFailed');
      return { kind: 'done', job: updated };
    });
  }

  async cancelJob(jobId: string, account: string, now: number): Promise<TransitionOutcome> {
    return this.db.tx(async (q): Promise<TransitionOutcome> => {
      await this.expire(q, now, jobId);
      const row = await q.get(
        `UPDATE jobs SET status = 'cancelled', ended_at = ?, lease_expires_at = NULL, error = 'cancelled by the client'
         WHERE job_id = ? AND account = ? AND status IN ('queued', 'running') RETURNING *`,
        [now, jobId, account],
      );
      if (row) {
        const job = toJob(row);
        await this.refundJob(q, job, now);
        return { kind: 'done', job };
      }
      const job = await jobRow(q, jobId);
      return { kind: 'refused', job: job && job.account === account ? job : null };
    });
  }

  /** A job ended without a result: its escrow back, and a verify job's awaiting re-execution cancelled and refunded with it. */
  private async refundJob(q: Queryable, job: JobRecord, now: number): Promise<void> {
    await this.ledger.post(q, movements.refund(job), now);
    if (!job.verify) return;
    const reruns = await q.all(
      `UPDATE jobs SET status = 'cancelled', ended_at = @now, error = 'the job it was to re-execute ended without a result'
       WHERE subject_job_id = @jobId AND awaiting_subject = 1 AND status = 'queued' RETURNING *`,
      { now, jobId: job.jobId },
    );
    for (const rerun of reruns) await this.ledger.post(q, movements.refund(toJob(rerun)), now);
  }

  private async expire(q: Queryable, now: number, jobId?: string): Promise<number> {
    const base = `UPDATE jobs SET status = 'expired', ended_at = @now, lease_expires_at = NULL,
        error = 'deadline passed before the job completed'
      WHERE status IN ('queued', 'running') AND deadline <= @now`;
    const rows = jobId === undefined ? await q.all(`${base} RETURNING *`, { now }) : await q.all(`${base} AND job_id = @jobId RETURNING *`, { now, jobId });
    const expired = rows.map(toJob);
    for (const job of expired) await this.refundJob(q, job, now);
    return expired.length;
  }

  async expireDue(now: number, jobId?: string): Promise<number> {
    return this.db.tx((q) => this.expire(q, now, jobId));
  }

  async requeueLapsed(now: number, maxAttempts: number): Promise<{ requeued: number; failed: number }> {
    return this.db.tx(async (q) => {
      // The lapsed jobs locked first (job rows before miner records, the order completions take),
      // counted by miner before the updates below clear miner_id, and only they updated.
      const lapsed = await q.all("SELECT job_id, miner_id FROM jobs WHERE status = 'running' AND lease_expires_at <= ? ORDER BY job_id FOR UPDATE", [now]);
      const jobIds = lapsed.map((row) => row.job_id as string);
      const failedJobs = (
        await q.all(
          `UPDATE jobs SET status = 'failed', ended_at = @now, lease_expires_at = NULL,
             error = 'lease lapsed on attempt ' || attempts || ' of ' || @maxAttempts::bigint || ' (miner ' || miner_id || ' stopped heartbeating)'
           WHERE job_id = ANY(@jobIds::text[]) AND attempts >= @maxAttempts::bigint RETURNING *`,
          { now, maxAttempts, jobIds },
        )
      ).map(toJob);
      for (const job of failedJobs) await this.refundJob(q, job, now);
      const requeued = await q.run(
        `UPDATE jobs SET status = 'queued', error = 'lease lapsed on attempt ' || attempts || ' (miner ' || miner_id || ' stopped heartbeating)',
           miner_id = NULL, claimed_at = NULL, lease_expires_at = NULL, claim_nonce = NULL, unit_price_micro = NULL, queued_at = @now
         WHERE job_id = ANY(@jobIds::text[]) AND status = 'running'`,
        { now, jobIds },
      );
      const lapsesByMiner = new Map<string, number>();
      for (const row of lapsed) lapsesByMiner.set(row.miner_id as string, (lapsesByMiner.get(row.miner_id as string) ?? 0) + 1);
      for (const [minerId, lapses] of [...lapsesByMiner].sort(([a], [b]) => (a < b ? -1 : 1))) await this.records.count(q, minerId, 'leaseLapses', lapses);
      return { requeued, failed: failedJobs.length };
    });
  }

  async pruneIdempotencyKeys(olderThan: number): Promise<number> {
    return this.db.q.run('DELETE FROM idempotency_keys WHERE created_at < ?', [olderThan]);
  }

  // ---- verification (see verification-tables.ts)

  async createCheck(job: NewJob, check: NewCheck): Promise<CheckJobOutcome> {
    return this.verification.createCheck(job, check);
  }
  async startTiebreak(checkId: number, job: NewJob, runsSoFar: number): Promise<TiebreakOutcome> {
    return this.verification.startTiebreak(checkId, job, runsSoFar);
  }
  async rerunsOf(subjectJobId: string): Promise<JobRecord[]> {
    return this.verification.rerunsOf(subjectJobId);
  }
  async decideCheck(decision: CheckDecision): Promise<DecisionOutcome> {
    return this.verification.decideCheck(decision);
  }
  async getCheck(checkId: number): Promise<CheckRecord | null> {
    return this.verification.getCheck(checkId);
  }
  async checkForJob(jobId: string): Promise<CheckRecord | null> {
    return this.verification.checkForJob(jobId);
  }
  async decidableChecks(limit: number): Promise<CheckRecord[]> {
    return this.verification.decidableChecks(limit);
  }
  async listChecks(query: { minerId: string | null; limit: number; after: number | null }): Promise<CheckPage> {
    return this.verification.listChecks(query);
  }
  async findCanary(query: { model: string; modelDigest: string; minerId: string }): Promise<CanaryRecord | null> {
    return this.verification.findCanary(query);
  }
  async getCanary(canaryId: number): Promise<CanaryRecord | null> {
    return this.verification.getCanary(canaryId);
  }
  async canaryRunners(canaryId: number): Promise<string[]> {
    return this.verification.canaryRunners(canaryId);
  }
  async addCanary(entry: NewCanary): Promise<boolean> {
    return this.db.tx((q) => this.verification.addCanary(q, entry));
  }
  async openCanaries(minerId: string): Promise<number> {
    return this.verification.openCanaries(minerId);
  }
  async updateStanding(minerId: string, change: (record: MinerTrackRecord) => Standing): Promise<MinerTrackRecord | null> {
    return this.db.tx((q) => this.records.updateStanding(q, minerId, change));
  }
  async verificationOf(jobId: string): Promise<{ rerun: JobRecord; check: CheckRecord | null } | null> {
    return this.verification.verificationOf(jobId);
  }

  // ---- the acceptance window and disputes (see acceptance.ts)

  async releaseDue(now: number, limit: number): Promise<number> {
    return this.db.tx((q) => this.acceptance.releaseDue(q, now, limit));
  }

  async openDispute(request: DisputeRequest): Promise<DisputeOutcome> {
    return this.db.tx(async (q): Promise<DisputeOutcome> => {
      const job = await jobRow(q, request.jobId, true);
      if (!job || job.account !== request.account || job.purpose !== 'client') return { kind: 'not_found' };
      if (job.status !== 'completed' || job.dispute !== null || job.acceptUntil === null || job.acceptUntil <= request.now) return { kind: 'refused', job };
      const found = await this.verification.disputeCheck(q, job, request.rerun, request.now);
      if (found.kind === 'insufficient_balance') return found;
      await q.run("UPDATE jobs SET dispute_state = 'open', dispute_reason = ?, disputed_at = ?, dispute_check_id = ? WHERE job_id = ?", [request.reason, request.now, found.check.checkId, job.jobId]);
      // The job's check was decided before the dispute: its verdict decides the dispute now.
      if (found.check.verdict !== null) await this.acceptance.closeDispute(q, found.check.checkId, found.check.verdict, found.check.detail ?? '', request.now);
      return { kind: 'opened', job: (await jobRow(q, job.jobId))!, rerun: found.rerun };
    });
  }

  async disputableMicro(account: string, now: number): Promise<bigint> {
    return this.acceptance.disputableMicro(account, now);
  }

  // ---- the web pages' reads (src/store/rows/dashboard-reads.ts: the same SQL on both engines)

  async listReceipts(query: ReceiptListQuery): Promise<ReceiptPage> {
    const statement = receiptListStatement(query);
    return receiptPage(await this.db.q.all(statement.sql, statement.params), query.limit);
  }

  async earningsByDay(minerId: string, since: number): Promise<DayEarnings[]> {
    return (await this.db.q.all(EARNINGS_BY_DAY, [minerId, since])).map(toDayEarnings);
  }

  async minerPayouts(minerId: string, limit: number): Promise<MinerPayout[]> {
    return (await this.db.q.all(MINER_PAYOUTS, [minerId, limit])).map(toMinerPayout);
  }

  async spendByDay(account: string, since: number): Promise<DaySpend[]> {
    return (await this.db.q.all(SPEND_BY_DAY, [account, since])).map(toDaySpend);
  }

  async marketActivity(completedSince: number[]): Promise<MarketActivity> {
    return this.db.snapshot(async (q) => {
      const queued = await q.all(QUEUED_BY_MODEL);
      const completed: number[] = [];
      for (const since of completedSince) completed.push(num(await q.value(COMPLETED_SINCE, [since])));
      return { queuedByModel: new Map(queued.map((row) => [row.model as string, num(row.n)])), completedSince: completed };
    });
  }

  async keySubmits(keyId: string, day: string): Promise<number> {
    return num(await this.db.q.value(KEY_SUBMITS, [keyId, day]));
  }

  // ---- receipts

  async getReceipt(receiptId: string): Promise<StoredReceipt | null> {
    const row = await this.db.q.get('SELECT * FROM receipts WHERE receipt_id = ?', [receiptId]);
    return row ? toStoredReceipt(row) : null;
  }

  async claimReceipt(receiptId: string, now: number): Promise<ReceiptClaimOutcome> {
    return this.db.tx(async (q): Promise<ReceiptClaimOutcome> => {
      await this.acceptance.releaseDue(q, now, 1, { receiptId });
      // Locked: of two claims of one receipt the second waits, then finds it claimed.
      const row = await q.get(
        `SELECT r.miner_id, r.job_id, r.price_micro, r.claimed_at, r.settled_at, r.released_at, j.accept_until, j.dispute_state
         FROM receipts r JOIN jobs j ON j.job_id = r.job_id WHERE r.receipt_id = ? FOR UPDATE OF r`,
        [receiptId],
      );
      if (!row) return { kind: 'not_found' };
      if (row.claimed_at !== null) return { kind: 'already_claimed', claimedAt: num(row.claimed_at) };
      if (row.released_at === null) return { kind: 'held', acceptUntil: num(row.accept_until), dispute: (row.dispute_state as DisputeState | null) ?? null };
      await q.run('UPDATE receipts SET claimed_at = ? WHERE receipt_id = ? AND claimed_at IS NULL', [now, receiptId]);
      const amount = row.price_micro as bigint;
      // Already paid on chain: the earnings left the books with the settlement.
      if (row.settled_at !== null) return { kind: 'claimed', amountMicro: amount, claimedAt: now, settled: true };
      await this.ledger.post(q, movements.claim({ receiptId, jobId: row.job_id as string, minerId: row.miner_id as string, priceMicro: amount }), now);
      return { kind: 'claimed', amountMicro: amount, claimedAt: now, settled: false };
    });
  }

  async receiptsOfRuns(jobId: string): Promise<StoredReceipt[]> {
    const rows = await this.db.q.all('SELECT r.* FROM receipts r JOIN jobs j ON j.job_id = r.job_id WHERE j.job_id = @jobId OR j.subject_job_id = @jobId ORDER BY r.created_at, r.receipt_id', { jobId });
    return rows.map(toStoredReceipt);
  }

  // ---- money

  async getAccount(account: string): Promise<AccountBalance> {
    return this.ledger.balance(this.db.q, account);
  }

  // Under the incoming lock: credits (and deposits) are admitted one at a time, so two of them
  // cannot both fit under MAX_AMOUNT_MICRO on the same reading of the books.
  async credit(account: string, amountMicro: bigint, now: number): Promise<CreditOutcome> {
    return this.db.tx(async (q): Promise<CreditOutcome> => {
      await lockIncoming(q);
      const heldMicro = await this.ledger.heldMicro(q);
      if (!movements.admitsIncoming(heldMicro, amountMicro)) return { ok: false, heldMicro };
      await this.ledger.post(q, movements.credit(account, amountMicro), now);
      return { ok: true, balance: await this.ledger.balance(q, account) };
    });
  }

  async minerEarnings(minerId: string, now: number): Promise<MinerEarnings> {
    return this.db.tx(async (q) => {
      await this.acceptance.releaseDue(q, now, Number.MAX_SAFE_INTEGER, { minerId });
      const row = await q.get('SELECT held, earned, claimed FROM miner_earnings WHERE miner_id = ?', [minerId]);
      const receipts = (await q.get(
        `SELECT count(CASE WHEN claimed_at IS NULL AND settled_at IS NULL THEN 1 END) AS unclaimed,
           coalesce(sum(CASE WHEN settled_at IS NOT NULL THEN price_micro ELSE 0 END), 0) AS settled
         FROM receipts WHERE miner_id = ?`,
        [minerId],
      ))!;
      return {
        minerId,
        heldMicro: (row?.held as bigint) ?? 0n,
        earnedMicro: (row?.earned as bigint) ?? 0n,
        claimedMicro: (row?.claimed as bigint) ?? 0n,
        unclaimedReceipts: num(receipts.unclaimed),
        settledMicro: receipts.settled as bigint,
      };
    });
  }

  async ledgerSnapshot(): Promise<LedgerSnapshot> {
    // One snapshot, so the audit sees a single consistent state.
    return this.db.snapshot((q) => readLedgerSnapshot(q));
  }

  /** The audit (src/ledger/audit.ts) over this engine's snapshot: for tools and tests holding the engine. */
  async auditLedger(): Promise<LedgerAudit> {
    return auditLedger(await this.ledgerSnapshot());
  }

  // ---- chain (see chain-tables.ts)

  async chainCursor(): Promise<number> {
    return this.chain.chainCursor();
  }
  async recordDeposits(scan: { nextHeight: number; deposits: ChainDeposit[]; bondEvents?: BondEvent[] }, now: number) {
    return this.chain.recordDeposits(scan, now);
  }
  async minerBond(minerId: string): Promise<MinerBond | null> {
    // Blocks below the cursor are read: the highest final block known is the cursor's predecessor.
    return this.db.snapshot(async (q) => this.bonds.minerBond(q, minerId, (await this.chain.chainCursor(q)) - 1));
  }
  async unmatchedDeposits(limit: number): Promise<DepositRecord[]> {
    return this.chain.unmatchedDeposits(limit);
  }
  async queueSettlement(options: { maxReceipts: number; olderThan: number }, now: number): Promise<OutboxRecord | null> {
    await this.releaseDue(now, options.maxReceipts);
    return this.chain.queueSettlement(options, now);
  }
  async settlementReceipts(outboxId: number): Promise<StoredReceipt[]> {
    return this.chain.settlementReceipts(outboxId);
  }
  async requestWithdrawal(input: { account: string; toAddress: string; amountMicro: bigint }, now: number): Promise<WithdrawalOutcome> {
    return this.chain.requestWithdrawal(input, now);
  }
  async getOutbox(outboxId: number): Promise<OutboxRecord | null> {
    return this.chain.getOutbox(outboxId);
  }
  async listOutbox(states: readonly OutboxState[], limit: number): Promise<OutboxRecord[]> {
    return this.chain.listOutbox(states, limit);
  }
  async lastNonce(): Promise<number | null> {
    return this.chain.lastNonce();
  }
  async signOutbox(outboxId: number, signed: { nonce: number; txHash: string; txJson: string }, now: number): Promise<void> {
    return this.chain.signOutbox(outboxId, signed, now);
  }
  async markOutboxSent(outboxId: number, now: number): Promise<void> {
    return this.chain.markOutboxSent(outboxId, now);
  }
  async unsignOutbox(outboxId: number, reason: string, now: number): Promise<void> {
    return this.chain.unsignOutbox(outboxId, reason, now);
  }
  async finalizeOutbox(outboxId: number, blockHeight: number, now: number, slashCreditMicro = 0n, landedAs?: string): Promise<void> {
    return this.chain.finalizeOutbox(outboxId, blockHeight, now, slashCreditMicro, landedAs);
  }
  async queueSlash(slash: NewSlash, now: number): Promise<OutboxRecord | null> {
    return this.chain.queueSlash(slash, now);
  }
  async slashOf(outboxId: number) {
    return this.chain.slashOf(outboxId);
  }
  async slashableMicro(minerKey: string): Promise<bigint> {
    return this.db.snapshot(async (q) => this.bonds.slashableMicro(q, minerKey, (await this.chain.chainCursor(q)) - 1));
  }
  async failOutbox(outboxId: number, errorCode: string, error: string, now: number): Promise<void> {
    return this.chain.failOutbox(outboxId, errorCode, error, now);
  }
  async refuseSettlementReceipt(outboxId: number, receiptId: string, errorCode: string, error: string, now: number): Promise<number | null> {
    return this.chain.refuseSettlementReceipt(outboxId, receiptId, errorCode, error, now);
  }
  async resolveDuplicate(outboxId: number, settledReceiptIds: string[], detail: string, now: number): Promise<void> {
    return this.chain.resolveDuplicate(outboxId, settledReceiptIds, detail, now);
  }
  async retryFailedSettlement(outboxId: number, now: number): Promise<boolean> {
    return this.chain.retryFailedSettlement(outboxId, now);
  }
  async chainBooks(limit: number): Promise<ChainBooksSnapshot> {
    // One snapshot: every figure from the same state.
    return this.db.snapshot(async (q) => ({
      books: await this.chain.chainBooks(q),
      depositCursor: await this.chain.chainCursor(q),
      outbox: await this.chain.listOutbox(NOT_FINAL_OUTBOX_STATES, limit, q),
      unmatchedDeposits: await this.chain.unmatchedDeposits(limit, q),
      oldestUnsettledAt: await this.chain.oldestUnsettledReceiptAt(q),
    }));
  }
  async oldestUnsettledReceiptAt(): Promise<number | null> {
    return this.chain.oldestUnsettledReceiptAt();
  }
  async outboxCounts(): Promise<OutboxCount[]> {
    return this.chain.outboxCounts();
  }

  // ---- settings

  async getSetting<T>(name: string): Promise<T | null> {
    const value = (await this.db.q.value('SELECT value FROM settings WHERE name = ?', [name])) as string | undefined;
    return value === undefined ? null : (JSON.parse(value) as T);
  }

  async putSetting(name: string, value: unknown): Promise<void> {
    await this.db.q.run('INSERT INTO settings (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value', [name, JSON.stringify(value)]);
  }

  // ---- duties

  async takeDuty(duty: string, holder: string, now: number, leaseMs: number): Promise<boolean> {
    const taken = await this.db.q.get(
      `INSERT INTO duty_leases (duty, holder, expires_at) VALUES (@duty, @holder, @until)
       ON CONFLICT (duty) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
       WHERE duty_leases.holder = excluded.holder OR duty_leases.expires_at <= @now::bigint
       RETURNING holder`,
      { duty, holder, until: now + leaseMs, now },
    );
    return taken !== undefined;
  }

  async releaseDuty(duty: string, holder: string): Promise<void> {
    await this.db.q.run('DELETE FROM duty_leases WHERE duty = ? AND holder = ?', [duty, holder]);
  }

  async ping(): Promise<void> {
    await this.db.q.value('SELECT 1');
  }

  private closed = false;

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.db.close();
  }
}
