// The SQLite side of each miner's track record (table miner_record, migration 006): counters
// moved inside the caller's transaction by the event that causes them, the score rewritten with
// them (src/reputation/score.ts decides it), uptime from liveness marks, and the public listing.

import type { Statement } from 'better-sqlite3';
import { minerScorePpm } from '../../reputation/score.ts';
import type { CheckOutcome, MinerListPosition, MinerTrackRecord } from '../store.ts';
import { num, numOrNull, strOrNull, type Row } from './rows.ts';
import type { Standing } from '../../verification/pause.ts';

export type Counter = 'jobsCompleted' | 'jobsFailed' | 'leaseLapses' | 'canariesPassed' | 'canariesFailed' | 'reexecutionsAgreed' | 'reexecutionsDisagreed';

/** Each counter's column; the only names ever spliced into SQL here (and in the PostgreSQL engine's record). */
export const COLUMN: Record<Counter, string> = {
  jobsCompleted: 'jobs_completed',
  jobsFailed: 'jobs_failed',
  leaseLapses: 'lease_lapses',
  canariesPassed: 'canaries_passed',
  canariesFailed: 'canaries_failed',
  reexecutionsAgreed: 'reexecutions_agreed',
  reexecutionsDisagreed: 'reexecutions_disagreed',
};

/** The counter a check's outcome moves. */
export const counterOf = (check: CheckOutcome): Counter =>
  check.kind === 'canary' ? (check.passed ? 'canariesPassed' : 'canariesFailed') : check.passed ? 'reexecutionsAgreed' : 'reexecutionsDisagreed';

/** Writes a miner's standing under the pause policy (the same statement on both engines). */
export const SET_STANDING = `UPDATE miner_record SET paused_at = @pausedAt, pause_reason = @pauseReason, needs_review = @needsReview, resume_streak = @resumeStreak,
  checks_failed = @checksFailed, probation_start_jobs = @probationStartJobs WHERE miner_id = @minerId`;

export const standingParams = (minerId: string, standing: Standing) => ({
  pausedAt: standing.pausedAt,
  pauseReason: standing.pauseReason,
  needsReview: standing.needsReview ? 1 : 0,
  resumeStreak: standing.resumeStreak,
  checksFailed: standing.checksFailed,
  probationStartJobs: standing.probationStartJobs,
  minerId,
});

export function toTrackRecord(row: Row): MinerTrackRecord {
  return {
    firstSeenAt: num(row.first_seen_at),
    jobsCompleted: num(row.jobs_completed),
    jobsFailed: num(row.jobs_failed),
    leaseLapses: num(row.lease_lapses),
    canariesPassed: num(row.canaries_passed),
    canariesFailed: num(row.canaries_failed),
    reexecutionsAgreed: num(row.reexecutions_agreed),
    reexecutionsDisagreed: num(row.reexecutions_disagreed),
    uptimeMs: num(row.uptime_ms),
    scorePpm: num(row.score_ppm),
    pausedAt: numOrNull(row.paused_at),
    pauseReason: strOrNull(row.pause_reason),
    needsReview: num(row.needs_review) === 1,
    resumeStreak: num(row.resume_streak),
    checksFailed: num(row.checks_failed),
    probationStartJobs: num(row.probation_start_jobs),
  };
}

export class SqliteMinerRecord {
  /** `sql` prepares (and caches) a statement on the store's connection. */
  constructor(private readonly sql: (text: string) => Statement) {}

  /** A registration: the record starts (or, for a known miner, a new run of uptime starts). */
  registered(minerId: string, now: number): void {
    this
      .sql('INSERT INTO miner_record (miner_id, first_seen_at, beat_at) VALUES (?, ?, ?) ON CONFLICT (miner_id) DO UPDATE SET beat_at = excluded.beat_at')
      .run(minerId, now, now);
  }

  /** A heartbeat: the time since the last mark is uptime when it is at most `gapMs` (else the miner was offline in between). */
  alive(minerId: string, now: number, gapMs: number): void {
    this
      .sql(
        `UPDATE miner_record SET uptime_ms = uptime_ms + CASE WHEN @now - beat_at BETWEEN 0 AND @gap THEN @now - beat_at ELSE 0 END,
           beat_at = max(coalesce(beat_at, @now), @now) WHERE miner_id = @minerId`,
      )
      .run({ now, gap: gapMs, minerId });
  }

  /** Adds to one counter and rescores; inside the caller's transaction. */
  count(minerId: string, counter: Counter, by = 1): void {
    const column = COLUMN[counter];
    this.sql(`UPDATE miner_record SET ${column} = ${column} + ? WHERE miner_id = ?`).run(by, minerId);
    this.rescore(minerId);
  }

  check(check: CheckOutcome): MinerTrackRecord | null {
    if (!this.read(check.minerId)) return null;
    this.count(check.minerId, counterOf(check));
    return this.read(check.minerId);
  }

  /** Writes the miner's standing under the pause policy; inside the caller's transaction. */
  setStanding(minerId: string, standing: Standing): void {
    this.sql(SET_STANDING).run(standingParams(minerId, standing));
  }


  /** The standing becomes `change` of the record; null for an unknown miner. */
  updateStanding(minerId: string, change: (record: MinerTrackRecord) => Standing): MinerTrackRecord | null {
    const record = this.read(minerId);
    if (!record) return null;
    this.setStanding(minerId, change(record));
    return this.read(minerId);
  }

  read(minerId: string): MinerTrackRecord | null {
    const row = this.sql('SELECT * FROM miner_record WHERE miner_id = ?').get(minerId) as Row | undefined;
    return row ? toTrackRecord(row) : null;
  }

  private rescore(minerId: string): void {
    const record = this.read(minerId);
    if (record) this.sql('UPDATE miner_record SET score_ppm = ? WHERE miner_id = ?').run(minerScorePpm(record), minerId);
  }

  /** At open: a change of the score's rule applies to every miner from the next start. */
  rescoreAll(): void {
    for (const minerId of this.sql('SELECT miner_id FROM miner_record').pluck().all() as string[]) this.rescore(minerId);
  }

  /** One page of miner ids in listing order, and the position after the last when more follow. */
  list(query: { model: string | null; onlineSince: number; limit: number; after: MinerListPosition | null }): { minerIds: string[]; next: MinerListPosition | null } {
    const after = query.after;
    const rows = this
      .sql(
        `SELECT m.miner_id, (m.last_seen_at >= @onlineSince) AS online, r.score_ppm FROM miners m JOIN miner_record r ON r.miner_id = m.miner_id
         WHERE (@model IS NULL OR EXISTS (SELECT 1 FROM miner_models mm WHERE mm.miner_id = m.miner_id AND mm.model = @model))
           AND (@afterOnline IS NULL OR (m.last_seen_at >= @onlineSince) < @afterOnline
             OR ((m.last_seen_at >= @onlineSince) = @afterOnline AND (r.score_ppm < @afterScore OR (r.score_ppm = @afterScore AND m.miner_id > @afterId))))
         ORDER BY online DESC, r.score_ppm DESC, m.miner_id LIMIT @take`,
      )
      .all({
        onlineSince: query.onlineSince,
        model: query.model,
        afterOnline: after ? (after.online ? 1 : 0) : null,
        afterScore: after?.scorePpm ?? null,
        afterId: after?.minerId ?? null,
        take: query.limit + 1,
      }) as Row[];
    const page = rows.slice(0, query.limit);
    const last = page.at(-1);
    return {
      minerIds: page.map((row) => row.miner_id as string),
      next: rows.length > query.limit && last ? { online: num(last.online) === 1, scorePpm: num(last.score_ppm), minerId: last.miner_id as string } : null,
    };
  }
}
