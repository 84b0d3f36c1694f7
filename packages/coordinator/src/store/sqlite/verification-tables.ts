// The SQLite side of the verification ladder (migration 007): check jobs inserted and escrowed
// with their check rows, verdicts written once with the counts and standings they move, the
// canary pool. It decides nothing: the verdicts, outcomes and standings come from the caller
// (src/services/verification.ts, with the policy in src/verification/).

import type { Statement } from 'better-sqlite3';
import type { JobKind } from '@aitbc/protocol';
import * as movements from '../../ledger/movements.ts';
import type {
  CanaryRecord,
  CheckDecision,
  CheckJobOutcome,
  CheckKind,
  CheckPage,
  CheckRecord,
  CheckVerdict,
  DecisionOutcome,
  JobRecord,
  MinerTrackRecord,
  NewCanary,
  NewCheck,
  NewJob,
  TiebreakOutcome,
} from '../store.ts';
import { insertJob, toJob } from './job-rows.ts';
import type { SqliteAcceptance } from './acceptance.ts';
import type { Ledger } from './ledger.ts';
import type { SqliteMinerRecord } from './miner-record.ts';
import { num, numOrNull, strOrNull, type Row } from './rows.ts';

export function toCheck(row: Row): CheckRecord {
  return {
    checkId: num(row.check_id),
    kind: row.kind as CheckKind,
    minerId: row.miner_id as string,
    subjectJobId: strOrNull(row.subject_job_id),
    checkJobId: row.check_job_id as string,
    tiebreakJobIds: JSON.parse(row.tiebreak_job_ids as string) as string[],
    failedMinerIds: JSON.parse(row.failed_miner_ids as string) as string[],
    canaryId: numOrNull(row.canary_id),
    verdict: strOrNull(row.verdict) as CheckVerdict | null,
    rule: strOrNull(row.rule),
    detail: strOrNull(row.detail),
    createdAt: num(row.created_at),
    decidedAt: numOrNull(row.decided_at),
  };
}

/**
 * The job a check's later runs reproduce (their jobs.subject_job_id): a re-execution's client
 * job, or a canary check's canary job (its confirming run).
 */
export const REPRODUCED = 'coalesce(c.subject_job_id, c.check_job_id)';

/** A check row with its tie-breaks (the runs after the re-run or the canary) and the miners it failed. */
const CHECK = `SELECT c.*, (SELECT json_group_array(job_id) FROM (SELECT t.job_id FROM jobs t WHERE t.subject_job_id = ${REPRODUCED} AND t.purpose = 'tiebreak' ORDER BY t.rowid))
  AS tiebreak_job_ids, (SELECT json_group_array(f.miner_id) FROM check_failures f WHERE f.check_id = c.check_id) AS failed_miner_ids FROM checks c`;

/** The re-runs of a subject (re-execution, tie-breaks), oldest first: a check's runs after the claimed one. */
const RERUNS = "SELECT * FROM jobs WHERE subject_job_id = ? AND purpose IN ('reexecution', 'tiebreak') ORDER BY rowid";
/** Pool entries for @model and @digest never sent to @minerId nor made from its runs (the source job or a re-run of it); the PostgreSQL engine runs it too. */
export const UNSEEN_CANARY = `SELECT c.* FROM canaries c WHERE c.model = @model AND c.model_digest = @digest AND c.withdrawn_at IS NULL
  AND NOT EXISTS (SELECT 1 FROM jobs s WHERE s.pinned_miner_id = @minerId AND s.canary_id = c.canary_id)
  AND NOT EXISTS (SELECT 1 FROM jobs s WHERE s.canary_id = c.canary_id AND s.miner_id = @minerId)
  AND NOT EXISTS (SELECT 1 FROM jobs s WHERE s.job_id = c.source_job_id AND s.miner_id = @minerId)
  AND NOT EXISTS (SELECT 1 FROM jobs s WHERE s.subject_job_id = c.source_job_id AND s.miner_id = @minerId)`;
export const NEWEST = 'ORDER BY c.canary_id DESC LIMIT 1';

export function toCanary(row: Row): CanaryRecord {
  return {
    canaryId: num(row.canary_id),
    model: row.model as string,
    modelDigest: row.model_digest as string,
    backend: row.backend as string,
    kind: row.kind as JobKind,
    prompt: row.prompt as string,
    params: JSON.parse(row.params as string),
    output: row.output as string,
    completionTokens: num(row.completion_tokens),
    source: row.source as CanaryRecord['source'],
    sourceJobId: row.source_job_id as string,
    receiptClient: row.receipt_client as string,
    evidenceJobIds: JSON.parse(row.evidence_job_ids as string) as string[],
    createdAt: num(row.created_at),
    withdrawnAt: numOrNull(row.withdrawn_at),
  };
}

export class SqliteVerificationTables {
  constructor(
    private readonly sql: (text: string) => Statement,
    private readonly write: <T>(fn: () => T) => Promise<T>,
    private readonly ledger: Ledger,
    private readonly records: SqliteMinerRecord,
    private readonly available: (account: string) => bigint,
    private readonly acceptance: SqliteAcceptance,
  ) {}

  private jobRow(jobId: string): JobRecord {
    return toJob(this.sql('SELECT * FROM jobs WHERE job_id = ?').get(jobId) as Row);
  }

  /** Inserts the job and escrows it from its account, or says what the account has. */
  private insertEscrowed(job: NewJob): { ok: true } | { ok: false; availableMicro: bigint } {
    const availableMicro = this.available(job.account);
    if (availableMicro < job.maxPriceMicro) return { ok: false, availableMicro };
    insertJob(this.sql, job);
    this.ledger.post(movements.escrow(job), job.createdAt);
    return { ok: true };
  }

  private insertCheck(check: NewCheck, checkJobId: string, now: number): CheckRecord {
    const checkId = this
      .sql('INSERT INTO checks (kind, miner_id, subject_job_id, check_job_id, canary_id, created_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING check_id')
      .pluck()
      .get(check.kind, check.minerId, check.subjectJobId, checkJobId, check.canaryId, now);
    return this.getCheck(num(checkId))!;
  }

  /** Inside completeJob's transaction: the verify job's awaiting re-execution becomes claimable, and its check starts. */
  release(subject: JobRecord, minerId: string, release: { requiredDigest: string | null; excludedOwners: string[]; deadline: number }, now: number): JobRecord | null {
    const row = this
      .sql(
        `UPDATE jobs SET awaiting_subject = 0, required_digest = @digest, excluded_owners = @excluded, queued_at = @now, deadline = @deadline
         WHERE subject_job_id = @jobId AND awaiting_subject = 1 AND status = 'queued' RETURNING *`,
      )
      .get({ digest: release.requiredDigest, excluded: JSON.stringify(release.excludedOwners), now, deadline: release.deadline, jobId: subject.jobId }) as Row | undefined;
    if (!row) return null;
    const rerun = toJob(row);
    this.insertCheck({ kind: 'reexecution', minerId, subjectJobId: subject.jobId, canaryId: null }, rerun.jobId, now);
    return rerun;
  }

  createCheck(job: NewJob, check: NewCheck): Promise<CheckJobOutcome> {
    return this.write((): CheckJobOutcome => {
      const inserted = this.insertEscrowed(job);
      if (!inserted.ok) return { kind: 'insufficient_balance', availableMicro: inserted.availableMicro };
      return { kind: 'created', job: this.jobRow(job.jobId), check: this.insertCheck(check, job.jobId, job.createdAt) };
    });
  }

  /**
   * Inside openDispute's transaction: the re-execution check of a disputed job — the one it has
   * (a client job is re-executed at most once: a verify or sampled re-run already judges it), or
   * a new one running `rerun`, escrowed from its account.
   */
  disputeCheck(subject: JobRecord, rerun: NewJob, now: number): { kind: 'check'; check: CheckRecord; rerun: JobRecord | null } | { kind: 'insufficient_balance'; availableMicro: bigint } {
    const existing = this.sql(`${CHECK} WHERE c.subject_job_id = ?`).get(subject.jobId) as Row | undefined;
    if (existing) return { kind: 'check', check: toCheck(existing), rerun: null };
    const inserted = this.insertEscrowed(rerun);
    if (!inserted.ok) return { kind: 'insufficient_balance', availableMicro: inserted.availableMicro };
    const check = this.insertCheck({ kind: 'reexecution', minerId: subject.minerId!, subjectJobId: subject.jobId, canaryId: null }, rerun.jobId, now);
    return { kind: 'check', check, rerun: this.jobRow(rerun.jobId) };
  }

  startTiebreak(checkId: number, job: NewJob, runsSoFar: number): Promise<TiebreakOutcome> {
    return this.write((): TiebreakOutcome => {
      // Guarded on the runs the caller judged: a second decider of the same judgement adds nothing.
      const pending = this
        .sql(`SELECT 1 FROM checks c WHERE check_id = ? AND verdict IS NULL AND (SELECT count(*) FROM jobs r WHERE r.subject_job_id = ${REPRODUCED} AND r.purpose IN ('reexecution', 'tiebreak')) = ?`)
        .get(checkId, runsSoFar);
      if (!pending) return { kind: 'not_pending' };
      const inserted = this.insertEscrowed(job);
      if (!inserted.ok) return { kind: 'insufficient_balance', availableMicro: inserted.availableMicro };
      return { kind: 'started', job: this.jobRow(job.jobId) };
    });
  }

  rerunsOf(subjectJobId: string): JobRecord[] {
    return (this.sql(RERUNS).all(subjectJobId) as Row[]).map(toJob);
  }

  decideCheck(decision: CheckDecision): Promise<DecisionOutcome> {
    return this.write((): DecisionOutcome => {
      const records = new Map<string, MinerTrackRecord>();
      const changed = this
        .sql('UPDATE checks SET verdict = ?, rule = ?, detail = ?, decided_at = ? WHERE check_id = ? AND verdict IS NULL')
        .run(decision.verdict, decision.rule, decision.detail, decision.now, decision.checkId).changes;
      if (changed === 0) return { decided: false, records };
      for (const outcome of decision.outcomes) {
        if (!outcome.passed) this.sql('INSERT INTO check_failures (check_id, miner_id) VALUES (?, ?) ON CONFLICT DO NOTHING').run(decision.checkId, outcome.minerId);
        const counted = this.records.check(outcome);
        if (!counted) continue;
        this.records.setStanding(outcome.minerId, decision.nextStanding(counted, outcome));
        records.set(outcome.minerId, this.records.read(outcome.minerId)!);
      }
      if (decision.canary) this.addCanary(decision.canary);
      if (decision.withdrawCanaryId !== null) this.sql('UPDATE canaries SET withdrawn_at = ? WHERE canary_id = ? AND withdrawn_at IS NULL').run(decision.now, decision.withdrawCanaryId);
      this.acceptance.closeDispute(decision.checkId, decision.verdict, decision.detail, decision.now);
      return { decided: true, records };
    });
  }

  getCheck(checkId: number): CheckRecord | null {
    const row = this.sql(`${CHECK} WHERE c.check_id = ?`).get(checkId) as Row | undefined;
    return row ? toCheck(row) : null;
  }

  checkForJob(jobId: string): CheckRecord | null {
    const row = this
      .sql(
        `WITH reproduced AS (SELECT subject_job_id AS job_id FROM jobs WHERE job_id = @jobId AND purpose = 'tiebreak')
         ${CHECK} WHERE c.check_job_id = @jobId OR c.subject_job_id = (SELECT job_id FROM reproduced) OR c.check_job_id = (SELECT job_id FROM reproduced)`,
      )
      .get({ jobId }) as Row | undefined;
    return row ? toCheck(row) : null;
  }

  decidableChecks(limit: number): CheckRecord[] {
    const rows = this
      .sql(
        `SELECT c.check_id FROM checks c INDEXED BY checks_pending
           JOIN jobs j ON j.job_id = coalesce((SELECT r.job_id FROM jobs r WHERE r.subject_job_id = ${REPRODUCED} ORDER BY r.rowid DESC LIMIT 1), c.check_job_id)
         WHERE c.verdict IS NULL AND j.status IN ('completed', 'failed', 'cancelled', 'expired') ORDER BY c.check_id LIMIT ?`,
      )
      .all(limit) as Row[];
    return rows.map((row) => this.getCheck(num(row.check_id))!);
  }

  listChecks(query: { minerId: string | null; limit: number; after: number | null }): CheckPage {
    const rows = this
      .sql(`${CHECK} WHERE (@minerId IS NULL OR c.miner_id = @minerId OR c.check_id IN (SELECT f.check_id FROM check_failures f WHERE f.miner_id = @minerId)) AND (@after IS NULL OR c.check_id < @after) ORDER BY c.check_id DESC LIMIT @take`)
      .all({ minerId: query.minerId, after: query.after, take: query.limit + 1 }) as Row[];
    const items = rows.slice(0, query.limit).map(toCheck);
    return { items, next: rows.length > query.limit ? items.at(-1)!.checkId : null };
  }

  /**
   * An entry sent to no miner yet comes first: any owner outside its evidence can then confirm a
   * disagreement with it (a confirming run excludes every miner that ran the entry, so one sent to
   * every owner can never be confirmed), and miners comparing notes share no canary. Newest first:
   * the scan stops at once while agreements keep coming.
   */
  findCanary(query: { model: string; modelDigest: string; minerId: string }): CanaryRecord | null {
    const params = { model: query.model, digest: query.modelDigest, minerId: query.minerId };
    const row = (this.sql(`${UNSEEN_CANARY} AND NOT EXISTS (SELECT 1 FROM jobs s WHERE s.canary_id = c.canary_id) ${NEWEST}`).get(params) ??
      this.sql(`${UNSEEN_CANARY} ${NEWEST}`).get(params)) as Row | undefined;
    return row ? toCanary(row) : null;
  }

  getCanary(canaryId: number): CanaryRecord | null {
    const row = this.sql('SELECT * FROM canaries WHERE canary_id = ?').get(canaryId) as Row | undefined;
    return row ? toCanary(row) : null;
  }

  /** Inside the caller's transaction. */
  addCanary(entry: NewCanary): boolean {
    return (
      this
        .sql(
          `INSERT INTO canaries (model, model_digest, backend, kind, prompt, params, output, completion_tokens, source, source_job_id, receipt_client, evidence_job_ids, created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (source_job_id) DO NOTHING`,
        )
        .run(entry.model, entry.modelDigest, entry.backend, entry.kind, entry.prompt, JSON.stringify(entry.params), entry.output, entry.completionTokens, entry.source, entry.sourceJobId, entry.receiptClient, JSON.stringify(entry.evidenceJobIds), entry.createdAt).changes > 0
    );
  }

  canaryRunners(canaryId: number): string[] {
    return this
      .sql(
        `WITH source AS (SELECT source_job_id AS job_id FROM canaries WHERE canary_id = @canaryId)
         SELECT miner_id FROM jobs WHERE job_id = (SELECT job_id FROM source) AND miner_id IS NOT NULL
         UNION SELECT miner_id FROM jobs WHERE subject_job_id = (SELECT job_id FROM source) AND miner_id IS NOT NULL
         UNION SELECT miner_id FROM jobs WHERE canary_id = @canaryId AND miner_id IS NOT NULL`,
      )
      .pluck()
      .all({ canaryId }) as string[];
  }

  openCanaries(minerId: string): number {
    return num(this.sql("SELECT count(*) FROM checks WHERE miner_id = ? AND kind = 'canary' AND verdict IS NULL").pluck().get(minerId));
  }

  verificationOf(jobId: string): { rerun: JobRecord; check: CheckRecord | null } | null {
    const row = this.sql("SELECT * FROM jobs WHERE subject_job_id = ? AND purpose = 'reexecution' ORDER BY created_at LIMIT 1").get(jobId) as Row | undefined;
    if (!row) return null;
    const rerun = toJob(row);
    const check = this.sql(`${CHECK} WHERE c.check_job_id = ?`).get(rerun.jobId) as Row | undefined;
    return { rerun, check: check ? toCheck(check) : null };
  }
}
