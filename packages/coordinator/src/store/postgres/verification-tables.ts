// The PostgreSQL side of the verification ladder: the SQLite engine's
// src/store/sqlite/verification-tables.ts (check jobs escrowed with their check rows, verdicts
// written once with the counts and standings they move, the canary pool), sharing its row readers.
// It decides nothing. What differs is concurrency: a check is locked by whoever reads it to act on
// it (a tie-break, a dispute), the verdict is written by a guarded UPDATE, and an escrow locks the
// account's balance before checking it.

import * as movements from '../../ledger/movements.ts';
import type {
  CanaryRecord,
  CheckDecision,
  CheckJobOutcome,
  CheckPage,
  CheckRecord,
  DecisionOutcome,
  JobRecord,
  MinerTrackRecord,
  NewCanary,
  NewCheck,
  NewJob,
  TiebreakOutcome,
} from '../store.ts';
import { toJob } from '../sqlite/job-rows.ts';
import { num } from '../sqlite/rows.ts';
import { NEWEST, REPRODUCED, toCanary, toCheck, UNSEEN_CANARY } from '../sqlite/verification-tables.ts';
import type { PgAcceptance } from './acceptance.ts';
import type { PgDb, Queryable } from './pg-db.ts';
import type { PgLedger } from './pg-ledger.ts';
import type { PgMinerRecord } from './pg-miner-record.ts';
import { insertJob, jobRow } from './pg-job-rows.ts';

/** A check row with its tie-breaks (in the order they were made) and the miners it failed, as JSON arrays like SQLite's. */
const CHECK = `SELECT c.*,
  (SELECT coalesce(json_agg(t.job_id ORDER BY t.seq)::text, '[]') FROM jobs t WHERE t.subject_job_id = ${REPRODUCED} AND t.purpose = 'tiebreak') AS tiebreak_job_ids,
  (SELECT coalesce(json_agg(f.miner_id ORDER BY f.miner_id)::text, '[]') FROM check_failures f WHERE f.check_id = c.check_id) AS failed_miner_ids FROM checks c`;

const RERUNS = "SELECT * FROM jobs WHERE subject_job_id = ? AND purpose IN ('reexecution', 'tiebreak') ORDER BY seq";

export class PgVerificationTables {
  constructor(
    private readonly db: PgDb,
    private readonly ledger: PgLedger,
    private readonly records: PgMinerRecord,
    private readonly acceptance: PgAcceptance,
  ) {}

  /** Inserts the job and escrows it from its account (balance locked first), or says what the account has. */
  async insertEscrowed(q: Queryable, job: NewJob): Promise<{ ok: true } | { ok: false; availableMicro: bigint }> {
    const availableMicro = await this.ledger.lockAvailable(q, job.account);
    if (availableMicro < job.maxPriceMicro) return { ok: false, availableMicro };
    await insertJob(q, job);
    await this.ledger.post(q, movements.escrow(job), job.createdAt);
    return { ok: true };
  }

  private async insertCheck(q: Queryable, check: NewCheck, checkJobId: string, now: number): Promise<CheckRecord> {
    const checkId = await q.value('INSERT INTO checks (kind, miner_id, subject_job_id, check_job_id, canary_id, created_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING check_id', [
      check.kind,
      check.minerId,
      check.subjectJobId,
      checkJobId,
      check.canaryId,
      now,
    ]);
    return (await this.readCheck(q, num(checkId)))!;
  }

  private async readCheck(q: Queryable, checkId: number): Promise<CheckRecord | null> {
    const row = await q.get(`${CHECK} WHERE c.check_id = ?`, [checkId]);
    return row ? toCheck(row) : null;
  }

  /** Inside completeJob's transaction: the verify job's awaiting re-execution becomes claimable (guarded: once), and its check starts. */
  async release(q: Queryable, subject: JobRecord, minerId: string, release: { requiredDigest: string | null; excludedOwners: string[]; deadline: number }, now: number): Promise<JobRecord | null> {
    const row = await q.get(
      `UPDATE jobs SET awaiting_subject = 0, required_digest = @digest, excluded_owners = @excluded, queued_at = @now, deadline = @deadline
       WHERE subject_job_id = @jobId AND awaiting_subject = 1 AND status = 'queued' RETURNING *`,
      { digest: release.requiredDigest, excluded: JSON.stringify(release.excludedOwners), now, deadline: release.deadline, jobId: subject.jobId },
    );
    if (!row) return null;
    const rerun = toJob(row);
    await this.insertCheck(q, { kind: 'reexecution', minerId, subjectJobId: subject.jobId, canaryId: null }, rerun.jobId, now);
    return rerun;
  }

  async createCheck(job: NewJob, check: NewCheck): Promise<CheckJobOutcome> {
    return this.db.tx(async (q): Promise<CheckJobOutcome> => {
      const inserted = await this.insertEscrowed(q, job);
      if (!inserted.ok) return { kind: 'insufficient_balance', availableMicro: inserted.availableMicro };
      return { kind: 'created', job: (await jobRow(q, job.jobId))!, check: await this.insertCheck(q, check, job.jobId, job.createdAt) };
    });
  }

  /**
   * Inside openDispute's transaction (the disputed job's row locked): the job's re-execution check
   * (see the SQLite engine), locked, so that a verdict being written waits for the dispute and
   * closes it, or the dispute sees the verdict; or a new one running `rerun`, escrowed.
   */
  async disputeCheck(
    q: Queryable,
    subject: JobRecord,
    rerun: NewJob,
    now: number,
  ): Promise<{ kind: 'check'; check: CheckRecord; rerun: JobRecord | null } | { kind: 'insufficient_balance'; availableMicro: bigint }> {
    const existing = await q.value('SELECT check_id FROM checks WHERE subject_job_id = ? FOR UPDATE', [subject.jobId]);
    if (existing !== undefined) return { kind: 'check', check: (await this.readCheck(q, num(existing)))!, rerun: null };
    const inserted = await this.insertEscrowed(q, rerun);
    if (!inserted.ok) return { kind: 'insufficient_balance', availableMicro: inserted.availableMicro };
    const check = await this.insertCheck(q, { kind: 'reexecution', minerId: subject.minerId!, subjectJobId: subject.jobId, canaryId: null }, rerun.jobId, now);
    return { kind: 'check', check, rerun: await jobRow(q, rerun.jobId) };
  }

  async startTiebreak(checkId: number, job: NewJob, runsSoFar: number): Promise<TiebreakOutcome> {
    return this.db.tx(async (q): Promise<TiebreakOutcome> => {
      // The pending check is locked before its runs are counted: a second decider of the same
      // judgement waits, then counts the run the first added, and adds nothing.
      const pending = await q.value('SELECT check_id FROM checks WHERE check_id = ? AND verdict IS NULL FOR UPDATE', [checkId]);
      if (pending === undefined) return { kind: 'not_pending' };
      const runs = await q.value(`SELECT count(*) FROM checks c JOIN jobs r ON r.subject_job_id = ${REPRODUCED} AND r.purpose IN ('reexecution', 'tiebreak') WHERE c.check_id = ?`, [checkId]);
      if (num(runs) !== runsSoFar) return { kind: 'not_pending' };
      const inserted = await this.insertEscrowed(q, job);
      if (!inserted.ok) return { kind: 'insufficient_balance', availableMicro: inserted.availableMicro };
      return { kind: 'started', job: (await jobRow(q, job.jobId))! };
    });
  }

  async rerunsOf(subjectJobId: string): Promise<JobRecord[]> {
    return (await this.db.q.all(RERUNS, [subjectJobId])).map(toJob);
  }

  async decideCheck(decision: CheckDecision): Promise<DecisionOutcome> {
    return this.db.tx(async (q): Promise<DecisionOutcome> => {
      const records = new Map<string, MinerTrackRecord>();
      // The guard is the write: of two deciders, the second finds the verdict set and changes nothing.
      const changed = await q.run('UPDATE checks SET verdict = ?, rule = ?, detail = ?, decided_at = ? WHERE check_id = ? AND verdict IS NULL', [
        decision.verdict,
        decision.rule,
        decision.detail,
        decision.now,
        decision.checkId,
      ]);
      if (changed === 0) return { decided: false, records };
      for (const outcome of decision.outcomes) {
        if (!outcome.passed) await q.run('INSERT INTO check_failures (check_id, miner_id) VALUES (?, ?) ON CONFLICT DO NOTHING', [decision.checkId, outcome.minerId]);
        const counted = await this.records.check(q, outcome);
        if (!counted) continue;
        await this.records.setStanding(q, outcome.minerId, decision.nextStanding(counted, outcome));
        records.set(outcome.minerId, (await this.records.read(q, outcome.minerId))!);
      }
      if (decision.canary) await this.addCanary(q, decision.canary);
      if (decision.withdrawCanaryId !== null) await q.run('UPDATE canaries SET withdrawn_at = ? WHERE canary_id = ? AND withdrawn_at IS NULL', [decision.now, decision.withdrawCanaryId]);
      await this.acceptance.closeDispute(q, decision.checkId, decision.verdict, decision.detail, decision.now);
      return { decided: true, records };
    });
  }

  async getCheck(checkId: number): Promise<CheckRecord | null> {
    return this.readCheck(this.db.q, checkId);
  }

  async checkForJob(jobId: string): Promise<CheckRecord | null> {
    const row = await this.db.q.get(
      `WITH reproduced AS (SELECT subject_job_id AS job_id FROM jobs WHERE job_id = @jobId AND purpose = 'tiebreak')
       ${CHECK} WHERE c.check_job_id = @jobId OR c.subject_job_id = (SELECT job_id FROM reproduced) OR c.check_job_id = (SELECT job_id FROM reproduced)`,
      { jobId },
    );
    return row ? toCheck(row) : null;
  }

  async decidableChecks(limit: number): Promise<CheckRecord[]> {
    const rows = await this.db.q.all(
      `${CHECK} JOIN jobs j ON j.job_id = coalesce((SELECT r.job_id FROM jobs r WHERE r.subject_job_id = ${REPRODUCED} ORDER BY r.seq DESC LIMIT 1), c.check_job_id)
       WHERE c.verdict IS NULL AND j.status IN ('completed', 'failed', 'cancelled', 'expired') ORDER BY c.check_id LIMIT ?`,
      [limit],
    );
    return rows.map(toCheck);
  }

  async listChecks(query: { minerId: string | null; limit: number; after: number | null }): Promise<CheckPage> {
    const rows = await this.db.q.all(
      `${CHECK} WHERE (@minerId::text IS NULL OR c.miner_id = @minerId::text OR c.check_id IN (SELECT f.check_id FROM check_failures f WHERE f.miner_id = @minerId::text))
         AND (@after::bigint IS NULL OR c.check_id < @after::bigint) ORDER BY c.check_id DESC LIMIT @take::bigint`,
      { minerId: query.minerId, after: query.after, take: query.limit + 1 },
    );
    const items = rows.slice(0, query.limit).map(toCheck);
    return { items, next: rows.length > query.limit ? items.at(-1)!.checkId : null };
  }

  /** An entry sent to no miner yet first, newest first (the SQLite engine says why). */
  async findCanary(query: { model: string; modelDigest: string; minerId: string }): Promise<CanaryRecord | null> {
    const params = { model: query.model, digest: query.modelDigest, minerId: query.minerId };
    const row =
      (await this.db.q.get(`${UNSEEN_CANARY} AND NOT EXISTS (SELECT 1 FROM jobs s WHERE s.canary_id = c.canary_id) ${NEWEST}`, params)) ??
      (await this.db.q.get(`${UNSEEN_CANARY} ${NEWEST}`, params));
    return row ? toCanary(row) : null;
  }

  async getCanary(canaryId: number): Promise<CanaryRecord | null> {
    const row = await this.db.q.get('SELECT * FROM canaries WHERE canary_id = ?', [canaryId]);
    return row ? toCanary(row) : null;
  }

  /** Inside the caller's transaction (the store's addCanary gives it one of its own). */
  async addCanary(q: Queryable, entry: NewCanary): Promise<boolean> {
    const inserted = await q.run(
      `INSERT INTO canaries (model, model_digest, backend, kind, prompt, params, output, completion_tokens, source, source_job_id, receipt_client, evidence_job_ids, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (source_job_id) DO NOTHING`,
      [
        entry.model,
        entry.modelDigest,
        entry.backend,
        entry.kind,
        entry.prompt,
        JSON.stringify(entry.params),
        entry.output,
        entry.completionTokens,
        entry.source,
        entry.sourceJobId,
        entry.receiptClient,
        JSON.stringify(entry.evidenceJobIds),
        entry.createdAt,
      ],
    );
    return inserted > 0;
  }

  async canaryRunners(canaryId: number): Promise<string[]> {
    const rows = await this.db.q.all(
      `WITH source AS (SELECT source_job_id AS job_id FROM canaries WHERE canary_id = @canaryId)
       SELECT miner_id FROM jobs WHERE job_id = (SELECT job_id FROM source) AND miner_id IS NOT NULL
       UNION SELECT miner_id FROM jobs WHERE subject_job_id = (SELECT job_id FROM source) AND miner_id IS NOT NULL
       UNION SELECT miner_id FROM jobs WHERE canary_id = @canaryId AND miner_id IS NOT NULL ORDER BY 1`,
      { canaryId },
    );
    return rows.map((row) => row.miner_id as string);
  }

  async openCanaries(minerId: string): Promise<number> {
    return num(await this.db.q.value("SELECT count(*) FROM checks WHERE miner_id = ? AND kind = 'canary' AND verdict IS NULL", [minerId]));
  }

  async verificationOf(jobId: string): Promise<{ rerun: JobRecord; check: CheckRecord | null } | null> {
    const row = await this.db.q.get("SELECT * FROM jobs WHERE subject_job_id = ? AND purpose = 'reexecution' ORDER BY created_at, seq LIMIT 1", [jobId]);
    if (!row) return null;
    const rerun = toJob(row);
    const check = await this.db.q.get(`${CHECK} WHERE c.check_job_id = ?`, [rerun.jobId]);
    return { rerun, check: check ? toCheck(check) : null };
  }
}
