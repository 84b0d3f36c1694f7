// The embedded engine: one SQLite file in WAL mode through better-sqlite3. Each store method is
// one synchronous transaction (never held across an await); write transactions are IMMEDIATE so
// that two processes sharing the file serialise instead of failing with SQLITE_BUSY mid-way.

import Database from 'better-sqlite3';
import type { Receipt } from '@aitbc/protocol';
import { auditLedger, type LedgerAudit, type LedgerSnapshot } from '../../ledger/audit.ts';
import * as movements from '../../ledger/movements.ts';
import { exactSum, joinSum } from './exact-sum.ts';
import { Ledger } from './ledger.ts';
import { readLedgerSnapshot } from './ledger-snapshot.ts';
import { COUNTED_BOND_SQL, SqliteBondTables } from './bond-tables.ts';
import { SqliteChainTables, toStoredReceipt } from './chain-tables.ts';
import { SqliteMinerRecord } from './miner-record.ts';
import { num, type Row } from './rows.ts';
import { insertJob, toJob } from './job-rows.ts';
import { claimerParams, completionParams, failureError, INSERT_RECEIPT, jobListStatement, jobPage, receiptValues } from '../rows/job-params.ts';
import { SqliteKeyTables } from './key-tables.ts';
import { COMPLETED_SINCE, EARNINGS_BY_DAY, KEY_SUBMITS, MINER_PAYOUTS, QUEUED_BY_MODEL, SPEND_BY_DAY, receiptListStatement, receiptPage, toDayEarnings, toDaySpend, toMinerPayout } from '../rows/dashboard-reads.ts';
import { SqliteMinerTables } from './miner-tables.ts';
import { SqliteVerificationTables } from './verification-tables.ts';
import { SqliteAcceptance } from './acceptance.ts';
import { applyMigrations } from '@aitbc/protocol/node';
import { fileURLToPath } from 'node:url';
import type {
  AccountBalance,
  ApiKeyRecord,
  BatchSubmit,
  ClaimManyOutcome,
  ClaimManyRequest,
  ChainBooksSnapshot,
  BondEvent,
  ChainDeposit,
  MinerBond,
  NewSlash,
  CheckOutcome,
  DepositRecord,
  HeldJobs,
  OutboxCount,
  OutboxRecord,
  OutboxState,
  WithdrawalOutcome,
  ClaimJobOutcome,
  ClaimNextOutcome,
  ClaimRequest,
  Completion,
  CreditOutcome,
  CoordinatorStore,
  IdempotencyClaim,
  JobPage,
  JobRecord,
  JobStatus,
  MinerEarnings,
  MinerListPosition,
  MinerPage,
  MinerTrackRecord,
  MinerRecord,
  MinerRegistration,
  ModelOffer,
  NewJob,
  QuotaClaim,
  ReceiptClaimOutcome,
  StoredReceipt,
  SubmitOutcome,
  TransitionOutcome,
  CompletionOutcome,
  DisputeOutcome,
  DisputeRequest,
  CanaryRecord,
  CheckDecision,
  CheckJobOutcome,
  CheckPage,
  CheckRecord,
  DecisionOutcome,
  NewCanary,
  NewCheck,
  TiebreakOutcome,
  DayEarnings,
  DaySpend,
  MarketActivity,
  MinerPayout,
  ReceiptListQuery,
  ReceiptPage,
} from '../store.ts';
import type { DisputeState } from '../../verification/dispute.ts';
import type { Standing } from '../../verification/pause.ts';
import { JOB_STATUSES, NOT_FINAL_OUTBOX_STATES } from '../store.ts';
import { GroupCommit } from './group-commit.ts';



// max_price covers the miner's price × min_units, tested by (exact) integer division because the
// product of two bounded amounts can pass 2^63, where SQLite turns it into an inexact float.
// The verification constraints follow: a re-execution waiting for its subject is not claimable;
// the claimer must have advertised the required digest, not belong to an excluded owner and have
// the minimum score; a paused miner takes only the canaries pinned to it. Re-executions and
// tie-breaks go only to miners that may verify: the last line mirrors `mayVerify`
// (src/verification/sampling.ts; test/verification-eligibility.test.ts holds the two together).
// With --min-bond, the exposure rule: the max prices of the jobs a miner holds, this one with
// them, may not pass what it has bonded (a slash can take at most that).
const CLAIMABLE = `
  j.status = 'queued' AND j.deadline > @now AND j.awaiting_subject = 0
  AND (j.pinned_miner_id IS NULL OR j.pinned_miner_id = @minerId)
  AND j.max_price_micro / j.min_units >= mm.unit_price_micro
  AND (j.required_digest IS NULL OR j.required_digest = mm.model_digest)
  AND (mm.capabilities & j.requires) = j.requires
  AND j.min_reputation_ppm <= @scorePpm
  AND (j.excluded_owners = '[]' OR NOT EXISTS (SELECT 1 FROM json_each(j.excluded_owners) WHERE value = @ownerKeyId))
  AND (@paused = 0 OR (j.purpose = 'canary' AND j.pinned_miner_id = @minerId))
  AND (j.purpose NOT IN ('reexecution', 'tiebreak') OR (@paused = 0 AND (@trusted = 1 OR @jobsSinceProbation >= @probationJobs)))
  AND (@minBond = 0 OR @heldMicro + j.max_price_micro <= @bondedMicro)`;

export interface SqliteStoreOptions {
  /** Path of the database file (created if missing), or ':memory:' for throwaway tests. */
  path: string;
}

export class SqliteStore implements CoordinatorStore {
  readonly db: Database.Database;
  private readonly ledger: Ledger;
  private readonly chain: SqliteChainTables;
  private readonly bonds: SqliteBondTables;
  private readonly records: SqliteMinerRecord;
  private readonly verification: SqliteVerificationTables;
  private readonly acceptance: SqliteAcceptance;
  private readonly keys: SqliteKeyTables;
  private readonly miners: SqliteMinerTables;
  private readonly group: GroupCommit;

  constructor(options: SqliteStoreOptions) {
    this.db = new Database(options.path);
    this.db.pragma('journal_mode = WAL');
    // WAL makes NORMAL durable against process crashes; only an OS crash can lose the last commits.
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('foreign_keys = ON');
    this.db.pragma('busy_timeout = 5000');
    // Checkpoint every ~40 MB of WAL instead of 4 MB: hot pages are copied back far less often
    // (+13 % lifecycles/s in `npm run bench`).
    this.db.pragma('wal_autocheckpoint = 10000');
    this.db.defaultSafeIntegers(true);
    applyMigrations(this.db, fileURLToPath(new URL('./migrations/', import.meta.url)));
    this.ledger = new Ledger((text) => this.sql(text));
    this.records = new SqliteMinerRecord((text) => this.sql(text));
    this.group = new GroupCommit(this.db);
    this.db.transaction(() => this.records.rescoreAll()).immediate();
    this.keys = new SqliteKeyTables((text) => this.sql(text), (fn) => this.write(fn));
    this.miners = new SqliteMinerTables((text) => this.sql(text), (fn) => this.write(fn), (fn) => this.db.transaction(fn)(), this.records);
    this.acceptance = new SqliteAcceptance((text) => this.sql(text), this.ledger);
    this.verification = new SqliteVerificationTables((text) => this.sql(text), (fn) => this.write(fn), this.ledger, this.records, (account) => this.balanceRow(account).availableMicro, this.acceptance);
    this.bonds = new SqliteBondTables((text) => this.sql(text));
    this.chain = new SqliteChainTables((text) => this.sql(text), (fn) => this.write(fn), this.ledger, (account) => this.balanceRow(account), this.bonds);
  }

  private readonly statements = new Map<string, Database.Statement>();

  /** A prepared statement, compiled once per SQL text (preparing costs more than running). */
  private sql(text: string): Database.Statement {
    let statement = this.statements.get(text);
    if (!statement) {
      statement = this.db.prepare(text);
      this.statements.set(text, statement);
    }
    return statement;
  }

  /** One write step: atomic, and answered once committed (with the other steps of its turn, see group-commit.ts). */
  private write<T>(fn: () => T): Promise<T> {
    return this.group.run(fn);
  }

  private jobRow(jobId: string): JobRecord | null {
    const row = this.sql('SELECT * FROM jobs WHERE job_id = ?').get(jobId) as Row | undefined;
    return row ? toJob(row) : null;
  }

  // ---- keys (see key-tables.ts)

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

  // ---- miners (see miner-tables.ts)

  private minerRow(minerId: string): MinerRecord | null {
    return this.miners.row(minerId);
  }

  async registerMiner(miner: MinerRegistration, now: number) {
    return this.miners.register(miner, now);
  }

  async getMiner(minerId: string): Promise<MinerRecord | null> {
    return this.miners.row(minerId);
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
    return this.write(() => this.records.check(check));
  }

  async modelOffers(onlineSince: number): Promise<ModelOffer[]> {
    return this.miners.offers(onlineSince);
  }

  async countMinersOnline(onlineSince: number): Promise<number> {
    return this.miners.countOnline(onlineSince);
  }

  async jobCounts(): Promise<Record<JobStatus, number>> {
    const counts = Object.fromEntries(JOB_STATUSES.map((status) => [status, 0])) as Record<JobStatus, number>;
    for (const row of this.sql('SELECT status, count(*) AS n FROM jobs GROUP BY status').all() as Row[]) counts[row.status as JobStatus] = num(row.n);
    return counts;
  }

  // ---- jobs

  async submitJob(job: NewJob, idempotency: IdempotencyClaim | null, quota: QuotaClaim | null, companion: NewJob | null = null): Promise<SubmitOutcome> {
    return this.write(() => this.submitOne({ job, idempotency, quota, companion }));
  }

  async submitJobs(items: BatchSubmit[]): Promise<SubmitOutcome[]> {
    return this.write(() => items.map((item) => this.submitOne(item)));
  }

  private submitOne({ job, idempotency, quota, companion = null }: BatchSubmit): SubmitOutcome {
    if (idempotency) {
      const prior = this
        .sql('SELECT request_hash, response, created_at FROM idempotency_keys WHERE account = ? AND idempotency_key = ?')
        .get(job.account, idempotency.key) as Row | undefined;
      if (prior && num(prior.created_at) >= idempotency.notBefore) {
        return { kind: 'existing', prior: { requestHash: prior.request_hash as string, response: prior.response as string } };
      }
      if (prior) this.sql('DELETE FROM idempotency_keys WHERE account = ? AND idempotency_key = ?').run(job.account, idempotency.key);
    }
    if (quota) {
      const used = num(this.sql(KEY_SUBMITS).pluck().get(quota.keyId, quota.day));
      if (used >= quota.limit) return { kind: 'quota_exceeded', used };
    }
    this.ledger.ensureAccount(job.account, job.createdAt);
    const available = this.sql('SELECT available FROM accounts WHERE account = ?').pluck().get(job.account) as bigint;
    if (available < job.maxPriceMicro + (companion?.maxPriceMicro ?? 0n)) return { kind: 'insufficient_balance', availableMicro: available };
    // Only accepted submits count against the quota.
    if (quota) {
      this
        .sql('INSERT INTO key_usage (key_id, day, submits) VALUES (?, ?, 1) ON CONFLICT (key_id, day) DO UPDATE SET submits = submits + 1')
        .run(quota.keyId, quota.day);
    }
    const created = insertJob((text) => this.sql(text), job);
    if (idempotency) {
      this
        .sql('INSERT INTO idempotency_keys (account, idempotency_key, request_hash, job_id, response, created_at) VALUES (?, ?, ?, ?, ?, ?)')
        .run(job.account, idempotency.key, idempotency.requestHash, job.jobId, idempotency.response, job.createdAt);
    }
    this.ledger.post(movements.escrow(job), job.createdAt);
    if (companion) {
      insertJob((text) => this.sql(text), companion);
      this.ledger.post(movements.escrow(companion), companion.createdAt);
    }
    return { kind: 'created', job: created };
  }

  async findIdempotentSubmit(account: string, key: string, notBefore: number) {
    const row = this
      .sql('SELECT request_hash, response FROM idempotency_keys WHERE account = ? AND idempotency_key = ? AND created_at >= ?')
      .get(account, key, notBefore) as Row | undefined;
    return row ? { requestHash: row.request_hash as string, response: row.response as string } : null;
  }

  async getJob(jobId: string): Promise<JobRecord | null> {
    return this.jobRow(jobId);
  }

  async listJobs(account: string, query: { status: JobStatus | null; limit: number; after: { createdAt: number; jobId: string } | null }): Promise<JobPage> {
    const statement = jobListStatement(account, query);
    return jobPage(this.sql(statement.sql).all(statement.params) as Row[], query.limit);
  }

  /** Running count against max_concurrency, or null when the miner does not exist. */
  private capacityLeft(minerId: string): { left: number; running: number } | null {
    const row = this
      .sql("SELECT m.max_concurrency, (SELECT count(*) FROM jobs WHERE miner_id = m.miner_id AND status = 'running') AS running FROM miners m WHERE m.miner_id = ?")
      .get(minerId) as Row | undefined;
    if (!row) return null;
    return { left: num(row.max_concurrency) - num(row.running), running: num(row.running) };
  }

  /** What the claim constraints need to know of the claimer; null for a miner not registered. */
  private claimer(request: ClaimRequest) {
    const row = this
      .sql('SELECT m.owner_key_id, r.score_ppm, r.paused_at, r.jobs_completed - r.probation_start_jobs AS since FROM miners m JOIN miner_record r ON r.miner_id = m.miner_id WHERE m.miner_id = ?')
      .get(request.minerId) as Row | undefined;
    if (!row) return null;
    // Read only when bonds are required: the claim is the hot path. Held earnings are still
    // disputable (and a dispute can end in a slash), so they count; the ones whose window ended
    // are released first, in this claim's transaction, so they no longer do.
    const minBond = request.minBondMicro ?? 0n;
    if (minBond !== 0n) this.acceptance.releaseDue(request.now, Number.MAX_SAFE_INTEGER, { minerId: request.minerId });
    const exposure =
      minBond === 0n
        ? { bonded: 0n, held: 0n }
        : (this
            .sql(
              `SELECT ${COUNTED_BOND_SQL} AS bonded,
                 (SELECT coalesce(sum(max_price_micro), 0) FROM jobs WHERE miner_id = m.miner_id AND status = 'running')
                 + coalesce((SELECT held FROM miner_earnings WHERE miner_id = m.miner_id), 0) AS held
               FROM miners m WHERE m.miner_id = ?`,
            )
            .get(request.minerId) as { bonded: bigint; held: bigint });
    return claimerParams(request, row, exposure);
  }

  private claim(jobId: string, unitPriceMicro: bigint, request: ClaimRequest): JobRecord {
    this.sql('UPDATE miners SET last_seen_at = ? WHERE miner_id = ?').run(request.now, request.minerId);
    const row = this
      .sql(
        `UPDATE jobs SET status = 'running', miner_id = @minerId, attempts = attempts + 1, claimed_at = @now,
           lease_expires_at = @leaseExpiresAt, claim_nonce = @nonce, unit_price_micro = @unitPrice
         WHERE job_id = @jobId AND status = 'queued' RETURNING *`,
      )
      .get({ minerId: request.minerId, now: request.now, leaseExpiresAt: request.now + request.leaseMs, nonce: request.nonce, unitPrice: unitPriceMicro, jobId }) as Row;
    return toJob(row);
  }

  // The whole claim is one IMMEDIATE transaction: the SELECT and the guarded UPDATE see the same
  // snapshot and no other writer can interleave, so each job has exactly one winner. The oldest
  // job is found per model by walking the queue index in order (LIMIT 1, no sort of the whole
  // queue), then the oldest of those wins. `npm run bench`: about 15,000 claims/s with 5,000 jobs
  // queued for 50 miners (2 cores, file in WAL mode).
  async claimNext(request: ClaimRequest): Promise<ClaimNextOutcome> {
    return this.write(() => this.claimOne(request));
  }

  // One transaction for the lot: each claim is claimNext's, so capacity, the bond rule and the
  // queue order hold after every job taken.
  async claimMany({ nonces, ...request }: ClaimManyRequest): Promise<ClaimManyOutcome> {
    return this.write((): ClaimManyOutcome => {
      const jobs: JobRecord[] = [];
      for (const nonce of nonces) {
        const outcome = this.claimOne({ ...request, nonce });
        if (outcome.kind === 'capacity_full' && jobs.length === 0) return outcome;
        if (outcome.kind !== 'claimed') break;
        jobs.push(outcome.job);
      }
      return { kind: 'claimed', jobs };
    });
  }

  private claimOne(request: ClaimRequest): ClaimNextOutcome {
    const capacity = this.capacityLeft(request.minerId);
    if (!capacity) return { kind: 'none' };
    if (capacity.left <= 0) return { kind: 'capacity_full', running: capacity.running };
    const oldestForModel = this.sql(
      `SELECT j.job_id, j.queued_at, j.rowid AS seq, mm.unit_price_micro FROM jobs j INDEXED BY jobs_queue
       JOIN miner_models mm ON mm.miner_id = @minerId AND mm.model = j.model
       WHERE j.model = @model AND ${CLAIMABLE}
       ORDER BY j.queued_at, j.rowid LIMIT 1`,
    );
    let pick: Row | undefined;
    const claimer = this.claimer(request);
    for (const model of this.sql('SELECT model FROM miner_models WHERE miner_id = ?').pluck().all(request.minerId) as string[]) {
      const candidate = oldestForModel.get({ ...claimer, model }) as Row | undefined;
      if (candidate && (!pick || (candidate.queued_at as bigint) < (pick.queued_at as bigint) || (candidate.queued_at === pick.queued_at && (candidate.seq as bigint) < (pick.seq as bigint)))) {
        pick = candidate;
      }
    }
    if (!pick) return { kind: 'none' };
    return { kind: 'claimed', job: this.claim(pick.job_id as string, pick.unit_price_micro as bigint, request) };
  }

  async claimJob(jobId: string, request: ClaimRequest): Promise<ClaimJobOutcome> {
    return this.write((): ClaimJobOutcome => {
      const job = this.jobRow(jobId);
      if (!job) return { kind: 'not_found' };
      const claimer = this.claimer(request);
      if (!claimer) return { kind: 'unavailable', job };
      const pick = this
        .sql(
          `SELECT mm.unit_price_micro FROM jobs j
           JOIN miner_models mm ON mm.miner_id = @minerId AND mm.model = j.model
           WHERE j.job_id = @jobId AND ${CLAIMABLE}`,
        )
        .get({ ...claimer, jobId }) as Row | undefined;
      if (!pick) return { kind: 'unavailable', job };
      const capacity = this.capacityLeft(request.minerId);
      if (!capacity || capacity.left <= 0) return { kind: 'capacity_full', running: capacity?.running ?? 0 };
      return { kind: 'claimed', job: this.claim(jobId, pick.unit_price_micro as bigint, request) };
    });
  }

  async releaseClaim(jobId: string, minerId: string, claimNonce: string, now: number): Promise<boolean> {
    const result = await this.write(() => this
      .sql(
        `UPDATE jobs SET status = 'queued', miner_id = NULL, attempts = attempts - 1, claimed_at = NULL, lease_expires_at = NULL,
           claim_nonce = NULL, unit_price_micro = NULL
         WHERE job_id = ? AND status = 'running' AND miner_id = ? AND claim_nonce = ? AND deadline > ?`,
      )
      .run(jobId, minerId, claimNonce, now));
    return result.changes > 0;
  }

  async completeJob(completion: Completion): Promise<CompletionOutcome> {
    return this.write(() => this.completeOne(completion));
  }

  async completeJobs(completions: Completion[]): Promise<CompletionOutcome[]> {
    return this.write(() => completions.map((completion) => this.completeOne(completion)));
  }

  private completeOne(completion: Completion): CompletionOutcome {
    this.expire(completion.now, completion.jobId);
    const row = this
      .sql(
        `UPDATE jobs SET status = 'completed', ended_at = @now, lease_expires_at = NULL, output = @output, output_data = @outputData,
           prompt_tokens = @promptTokens, completion_tokens = @completionTokens, price_micro = @price, receipt_id = @receiptId, error = NULL,
           model_digest = @modelDigest, backend = @backend, accept_until = @now + acceptance_window_ms
         WHERE job_id = @jobId AND status = 'running' AND miner_id = @minerId AND claim_nonce = @nonce RETURNING *`,
      )
      .get(completionParams(completion)) as Row | undefined;
    if (!row) return { kind: 'refused', job: this.jobRow(completion.jobId) };
    const job = toJob(row);
    this.sql(INSERT_RECEIPT).run(receiptValues(completion, job));
    this.ledger.post(movements.payout(job, { receiptId: completion.receipt.receipt_id, minerId: completion.minerId, priceMicro: completion.priceMicro }), completion.now);
    // A window of 0 (check jobs, or a client that waived it): released with the completion.
    if (job.acceptUntil! <= completion.now) this.acceptance.releaseDue(completion.now, 1, { receiptId: completion.receipt.receipt_id });
    this.records.count(completion.minerId, 'jobsCompleted');
    const released = completion.release ? this.verification.release(job, completion.minerId, completion.release, completion.now) : null;
    return { kind: 'done', job, released };
  }

  async failJob(input: { jobId: string; minerId: string; reason: string; retryable: boolean; now: number; maxAttempts: number; lapse?: boolean }): Promise<TransitionOutcome> {
    return this.write((): TransitionOutcome => {
      this.expire(input.now, input.jobId);
      const job = this.jobRow(input.jobId);
      if (!job || job.status !== 'running' || job.minerId !== input.minerId) return { kind: 'refused', job };
      const requeue = input.retryable && job.attempts < input.maxAttempts;
      const row = requeue
        ? this
            .sql(
              `UPDATE jobs SET status = 'queued', miner_id = NULL, claimed_at = NULL, lease_expires_at = NULL, claim_nonce = NULL,
                 unit_price_micro = NULL, queued_at = @now, error = @error WHERE job_id = @jobId RETURNING *`,
            )
            .get({ now: input.now, error: failureError(job, input, true), jobId: input.jobId })
        : this
            .sql(`UPDATE jobs SET status = 'failed', ended_at = @now, lease_expires_at = NULL, error = @error WHERE job_id = @jobId RETURNING *`)
            .get({ now: input.now, error: failureError(job, input, false), jobId: input.jobId });
      const updated = toJob(row as Row);
      if (updated.status === 'failed') this.refundJob(updated, input.now);
      this.records.count(input.minerId, input.lapse ? 'leaseLapses' : 'jobsFailed');
      return { kind: 'done', job: updated };
    });
  }

  async cancelJob(jobId: string, account: string, now: number): Promise<TransitionOutcome> {
    return this.write((): TransitionOutcome => {
      this.expire(now, jobId);
      const row = this
        .sql(
          `UPDATE jobs SET status = 'cancelled', ended_at = ?, lease_expires_at = NULL, error = 'cancelled by the client'
           WHERE job_id = ? AND account = ? AND status IN ('queued', 'running') RETURNING *`,
        )
        .get(now, jobId, account) as Row | undefined;
      if (row) {
        const job = toJob(row);
        this.refundJob(job, now);
        return { kind: 'done', job };
      }
      const job = this.jobRow(jobId);
      return { kind: 'refused', job: job && job.account === account ? job : null };
    });
  }

  /** A job ended without a result: its escrow back, and a verify job's awaiting re-execution cancelled and refunded with it. */
  private refundJob(job: JobRecord, now: number): void {
    this.ledger.post(movements.refund(job), now);
    if (!job.verify) return;
    const reruns = this
      .sql(
        `UPDATE jobs SET status = 'cancelled', ended_at = @now, error = 'the job it was to re-execute ended without a result'
         WHERE subject_job_id = @jobId AND awaiting_subject = 1 AND status = 'queued' RETURNING *`,
      )
      .all({ now, jobId: job.jobId }) as Row[];
    for (const rerun of reruns) this.ledger.post(movements.refund(toJob(rerun)), now);
  }

  private expire(now: number, jobId?: string): number {
    const base = `UPDATE jobs SET status = 'expired', ended_at = @now, lease_expires_at = NULL,
        error = 'deadline passed before the job completed'
      WHERE status IN ('queued', 'running') AND deadline <= @now`;
    const statement = jobId === undefined ? this.sql(`${base} RETURNING *`) : this.sql(`${base} AND job_id = @jobId RETURNING *`);
    const expired = (statement.all(jobId === undefined ? { now } : { now, jobId }) as Row[]).map(toJob);
    for (const job of expired) this.refundJob(job, now);
    return expired.length;
  }

  async expireDue(now: number, jobId?: string): Promise<number> {
    return this.write(() => this.expire(now, jobId));
  }

  async requeueLapsed(now: number, maxAttempts: number): Promise<{ requeued: number; failed: number }> {
    return this.write(() => {
      // Counted before the updates below clear miner_id.
      const lapsedByMiner = this
        .sql("SELECT miner_id, count(*) AS n FROM jobs WHERE status = 'running' AND lease_expires_at <= ? GROUP BY miner_id")
        .all(now) as Row[];
      for (const row of lapsedByMiner) this.records.count(row.miner_id as string, 'leaseLapses', num(row.n));
      const failedJobs = (
        this
          .sql(
            `UPDATE jobs SET status = 'failed', ended_at = @now, lease_expires_at = NULL,
               error = 'lease lapsed on attempt ' || attempts || ' of ' || @maxAttempts || ' (miner ' || miner_id || ' stopped heartbeating)'
             WHERE status = 'running' AND lease_expires_at <= @now AND attempts >= @maxAttempts RETURNING *`,
          )
          .all({ now, maxAttempts: BigInt(maxAttempts) }) as Row[] // a bigint binds as INTEGER, so the message says 3, not 3.0
      ).map(toJob);
      for (const job of failedJobs) this.refundJob(job, now);
      const failed = failedJobs.length;
      const requeued = this
        .sql(
          `UPDATE jobs SET status = 'queued', error = 'lease lapsed on attempt ' || attempts || ' (miner ' || miner_id || ' stopped heartbeating)',
             miner_id = NULL, claimed_at = NULL, lease_expires_at = NULL, claim_nonce = NULL, unit_price_micro = NULL, queued_at = @now
           WHERE status = 'running' AND lease_expires_at <= @now`,
        )
        .run({ now }).changes;
      return { requeued, failed };
    });
  }

  async pruneIdempotencyKeys(olderThan: number): Promise<number> {
    return this.write(() => this.sql('DELETE FROM idempotency_keys WHERE created_at < ?').run(olderThan).changes);
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
    return this.write(() => this.verification.addCanary(entry));
  }
  async openCanaries(minerId: string): Promise<number> {
    return this.verification.openCanaries(minerId);
  }
  async updateStanding(minerId: string, change: (record: MinerTrackRecord) => Standing): Promise<MinerTrackRecord | null> {
    return this.write(() => this.records.updateStanding(minerId, change));
  }
  async verificationOf(jobId: string): Promise<{ rerun: JobRecord; check: CheckRecord | null } | null> {
    return this.verification.verificationOf(jobId);
  }

  // ---- the acceptance window and disputes (see acceptance.ts)

  async releaseDue(now: number, limit: number): Promise<number> {
    return this.write(() => this.acceptance.releaseDue(now, limit));
  }

  async openDispute(request: DisputeRequest): Promise<DisputeOutcome> {
    return this.write((): DisputeOutcome => {
      const job = this.jobRow(request.jobId);
      if (!job || job.account !== request.account || job.purpose !== 'client') return { kind: 'not_found' };
      if (job.status !== 'completed' || job.dispute !== null || job.acceptUntil === null || job.acceptUntil <= request.now) return { kind: 'refused', job };
      const found = this.verification.disputeCheck(job, request.rerun, request.now);
      if (found.kind === 'insufficient_balance') return found;
      this
        .sql("UPDATE jobs SET dispute_state = 'open', dispute_reason = ?, disputed_at = ?, dispute_check_id = ? WHERE job_id = ?")
        .run(request.reason, request.now, found.check.checkId, job.jobId);
      // The job's check was decided before the dispute: its verdict decides the dispute now.
      if (found.check.verdict !== null) this.acceptance.closeDispute(found.check.checkId, found.check.verdict, found.check.detail ?? '', request.now);
      return { kind: 'opened', job: this.jobRow(job.jobId)!, rerun: found.rerun };
    });
  }

  async disputableMicro(account: string, now: number): Promise<bigint> {
    return this.acceptance.disputableMicro(account, now);
  }

  // ---- the web pages' reads (src/store/rows/dashboard-reads.ts: the same SQL on both engines)

  async listReceipts(query: ReceiptListQuery): Promise<ReceiptPage> {
    const statement = receiptListStatement(query);
    return receiptPage(this.sql(statement.sql).all(statement.params) as Row[], query.limit);
  }

  async earningsByDay(minerId: string, since: number): Promise<DayEarnings[]> {
    return (this.sql(EARNINGS_BY_DAY).all(minerId, since) as Row[]).map(toDayEarnings);
  }

  async minerPayouts(minerId: string, limit: number): Promise<MinerPayout[]> {
    return (this.sql(MINER_PAYOUTS).all(minerId, limit) as Row[]).map(toMinerPayout);
  }

  async spendByDay(account: string, since: number): Promise<DaySpend[]> {
    return (this.sql(SPEND_BY_DAY).all(account, since) as Row[]).map(toDaySpend);
  }

  async marketActivity(completedSince: number[]): Promise<MarketActivity> {
    return this.db.transaction(() => ({
      queuedByModel: new Map((this.sql(QUEUED_BY_MODEL).all() as Row[]).map((row) => [row.model as string, num(row.n)])),
      completedSince: completedSince.map((since) => num(this.sql(COMPLETED_SINCE).pluck().get(since))),
    }))();
  }

  async keySubmits(keyId: string, day: string): Promise<number> {
    return num(this.sql(KEY_SUBMITS).pluck().get(keyId, day));
  }

  // ---- receipts

  async getReceipt(receiptId: string): Promise<StoredReceipt | null> {
    const row = this.sql('SELECT * FROM receipts WHERE receipt_id = ?').get(receiptId) as Row | undefined;
    return row ? toStoredReceipt(row) : null;
  }

  async claimReceipt(receiptId: string, now: number): Promise<ReceiptClaimOutcome> {
    return this.write((): ReceiptClaimOutcome => {
      this.acceptance.releaseDue(now, 1, { receiptId });
      const row = this
        .sql('SELECT r.miner_id, r.job_id, r.price_micro, r.claimed_at, r.settled_at, r.released_at, j.accept_until, j.dispute_state FROM receipts r JOIN jobs j ON j.job_id = r.job_id WHERE r.receipt_id = ?')
        .get(receiptId) as Row | undefined;
      if (!row) return { kind: 'not_found' };
      if (row.claimed_at !== null) return { kind: 'already_claimed', claimedAt: num(row.claimed_at) };
      if (row.released_at === null) return { kind: 'held', acceptUntil: num(row.accept_until), dispute: (row.dispute_state as DisputeState | null) ?? null };
      this.sql('UPDATE receipts SET claimed_at = ? WHERE receipt_id = ? AND claimed_at IS NULL').run(now, receiptId);
      const amount = row.price_micro as bigint;
      // Already paid on chain: the earnings left the books with the settlement.
      if (row.settled_at !== null) return { kind: 'claimed', amountMicro: amount, claimedAt: now, settled: true };
      this.ledger.post(movements.claim({ receiptId, jobId: row.job_id as string, minerId: row.miner_id as string, priceMicro: amount }), now);
      return { kind: 'claimed', amountMicro: amount, claimedAt: now, settled: false };
    });
  }

  // ---- money

  private balanceRow(account: string): AccountBalance {
    const row = this.sql('SELECT available, escrowed, withdrawing FROM accounts WHERE account = ?').get(account) as Row | undefined;
    return { account, availableMicro: (row?.available as bigint) ?? 0n, escrowedMicro: (row?.escrowed as bigint) ?? 0n, withdrawingMicro: (row?.withdrawing as bigint) ?? 0n };
  }

  async getAccount(account: string): Promise<AccountBalance> {
    return this.balanceRow(account);
  }

  async credit(account: string, amountMicro: bigint, now: number): Promise<CreditOutcome> {
    const heldMicro = await this.write(() => {
      const held = this.ledger.heldMicro();
      if (!movements.admitsIncoming(held, amountMicro)) return held;
      this.ledger.post(movements.credit(account, amountMicro), now);
      return null;
    });
    return heldMicro === null ? { ok: true, balance: this.balanceRow(account) } : { ok: false, heldMicro };
  }

  async minerEarnings(minerId: string, now: number): Promise<MinerEarnings> {
    return this.write(() => {
      this.acceptance.releaseDue(now, Number.MAX_SAFE_INTEGER, { minerId });
      return this.earningsRow(minerId);
    });
  }

  private earningsRow(minerId: string): MinerEarnings {
    const row = this.sql('SELECT held, earned, claimed FROM miner_earnings WHERE miner_id = ?').get(minerId) as Row | undefined;
    const receipts = this
      .sql(`SELECT count(CASE WHEN claimed_at IS NULL AND settled_at IS NULL THEN 1 END) AS unclaimed, ${exactSum('CASE WHEN settled_at IS NOT NULL THEN price_micro ELSE 0 END', 'settled')} FROM receipts WHERE miner_id = ?`)
      .get(minerId) as Row;
    // Settled earnings add up over the miner's whole history: an exact sum.
    return { minerId, heldMicro: (row?.held as bigint) ?? 0n, earnedMicro: (row?.earned as bigint) ?? 0n, claimedMicro: (row?.claimed as bigint) ?? 0n, unclaimedReceipts: num(receipts.unclaimed), settledMicro: joinSum(receipts, 'settled') };
  }

  async ledgerSnapshot(): Promise<LedgerSnapshot> {
    // One read transaction, so the audit sees a single consistent state.
    return this.db.transaction(() => readLedgerSnapshot((text) => this.sql(text)))();
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
    return this.db.transaction(() => this.bonds.minerBond(minerId, this.chain.chainCursor() - 1))();
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
    return this.db.transaction(() => this.bonds.slashableMicro(minerKey, this.chain.chainCursor() - 1))();
  }
  async receiptsOfRuns(jobId: string): Promise<StoredReceipt[]> {
    const rows = this.sql('SELECT r.* FROM receipts r JOIN jobs j ON j.job_id = r.job_id WHERE j.job_id = @jobId OR j.subject_job_id = @jobId ORDER BY r.created_at, r.receipt_id').all({ jobId }) as Row[];
    return rows.map(toStoredReceipt);
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
    // One read transaction: every figure from the same snapshot.
    return this.db.transaction(() => ({
      books: this.chain.chainBooks(),
      depositCursor: this.chain.chainCursor(),
      outbox: this.chain.listOutbox(NOT_FINAL_OUTBOX_STATES, limit),
      unmatchedDeposits: this.chain.unmatchedDeposits(limit),
      oldestUnsettledAt: this.chain.oldestUnsettledReceiptAt(),
    }))();
  }
  async oldestUnsettledReceiptAt(): Promise<number | null> {
    return this.chain.oldestUnsettledReceiptAt();
  }
  async outboxCounts(): Promise<OutboxCount[]> {
    return this.chain.outboxCounts();
  }

  // ---- settings

  async getSetting<T>(name: string): Promise<T | null> {
    const value = this.sql('SELECT value FROM settings WHERE name = ?').pluck().get(name) as string | undefined;
    return value === undefined ? null : (JSON.parse(value) as T);
  }

  async putSetting(name: string, value: unknown): Promise<void> {
    await this.write(() => this.sql('INSERT INTO settings (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value').run(name, JSON.stringify(value)));
  }

  // ---- duties

  async takeDuty(duty: string, holder: string, now: number, leaseMs: number): Promise<boolean> {
    const taken = await this.write(() => this
      .sql(
        `INSERT INTO duty_leases (duty, holder, expires_at) VALUES (@duty, @holder, @until)
         ON CONFLICT (duty) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
         WHERE duty_leases.holder = excluded.holder OR duty_leases.expires_at <= @now
         RETURNING holder`,
      )
      .get({ duty, holder, until: now + leaseMs, now }) as Row | undefined);
    return taken !== undefined;
  }

  async releaseDuty(duty: string, holder: string): Promise<void> {
    await this.write(() => this.sql('DELETE FROM duty_leases WHERE duty = ? AND holder = ?').run(duty, holder));
  }

  async ping(): Promise<void> {
    this.sql('SELECT 1').get();
  }

  async close(): Promise<void> {
    if (!this.db.open) return;
    this.group.flush();
    this.db.close();
  }
}
