// The PostgreSQL side of each miner's track record (table miner_record): counters moved inside
// the caller's transaction by the event that causes them, the score rewritten with them
// (src/reputation/score.ts decides it), uptime from liveness marks, and the public listing. The
// rules are the SQLite engine's (src/store/sqlite/miner-record.ts); only the SQL differs.

import { minerScorePpm } from '../../reputation/score.ts';
import type { CheckOutcome, MinerListPosition, MinerTrackRecord } from '../store.ts';
import { COLUMN, counterOf, SET_STANDING, standingParams, toTrackRecord, type Counter } from '../sqlite/miner-record.ts';
import { num } from '../sqlite/rows.ts';
import type { Standing } from '../../verification/pause.ts';
import type { Queryable } from './pg-db.ts';


export class PgMinerRecord {
  /** A registration: the record starts (or, for a known miner, a new run of uptime starts). */
  async registered(q: Queryable, minerId: string, now: number): Promise<void> {
    await q.run('INSERT INTO miner_record (miner_id, first_seen_at, beat_at) VALUES (?, ?, ?) ON CONFLICT (miner_id) DO UPDATE SET beat_at = excluded.beat_at', [minerId, now, now]);
  }

  /** A heartbeat: the time since the last mark is uptime when it is at most `gapMs`. */
  async alive(q: Queryable, minerId: string, now: number, gapMs: number): Promise<void> {
    await q.run(
      `UPDATE miner_record SET uptime_ms = uptime_ms + CASE WHEN @now::bigint - beat_at BETWEEN 0 AND @gap::bigint THEN @now::bigint - beat_at ELSE 0 END,
         beat_at = greatest(coalesce(beat_at, @now::bigint), @now::bigint) WHERE miner_id = @minerId`,
      { now, gap: gapMs, minerId },
    );
  }

  /** Adds to one counter and rescores; inside the caller's transaction (the row stays locked to its end). */
  async count(q: Queryable, minerId: string, counter: Counter, by = 1): Promise<void> {
    const column = COLUMN[counter];
    const row = await q.get(`UPDATE miner_record SET ${column} = ${column} + ? WHERE miner_id = ? RETURNING *`, [by, minerId]);
    if (row) await this.rescore(q, minerId, toTrackRecord(row));
  }

  async check(q: Queryable, check: CheckOutcome): Promise<MinerTrackRecord | null> {
    if (!(await this.read(q, check.minerId, true))) return null;
    await this.count(q, check.minerId, counterOf(check));
    return this.read(q, check.minerId);
  }

  /** Writes the miner's standing under the pause policy; inside the caller's transaction. */
  async setStanding(q: Queryable, minerId: string, standing: Standing): Promise<void> {
    await q.run(SET_STANDING, standingParams(minerId, standing));
  }


  /** The standing becomes `change` of the record (read locked, so two changes do not interleave); null for an unknown miner. */
  async updateStanding(q: Queryable, minerId: string, change: (record: MinerTrackRecord) => Standing): Promise<MinerTrackRecord | null> {
    const record = await this.read(q, minerId, true);
    if (!record) return null;
    await this.setStanding(q, minerId, change(record));
    return this.read(q, minerId);
  }

  /** `lock`: hold the row until the transaction ends (read-then-write). */
  async read(q: Queryable, minerId: string, lock = false): Promise<MinerTrackRecord | null> {
    const row = await q.get(`SELECT * FROM miner_record WHERE miner_id = ?${lock ? ' FOR UPDATE' : ''}`, [minerId]);
    return row ? toTrackRecord(row) : null;
  }

  private async rescore(q: Queryable, minerId: string, record: MinerTrackRecord): Promise<void> {
    await q.run('UPDATE miner_record SET score_ppm = ? WHERE miner_id = ?', [minerScorePpm(record), minerId]);
  }

  /** At open: a change of the score's rule applies to every miner from the next start. */
  async rescoreAll(q: Queryable): Promise<void> {
    for (const row of await q.all('SELECT * FROM miner_record FOR UPDATE')) await this.rescore(q, row.miner_id as string, toTrackRecord(row));
  }

  /** One page of miner ids in listing order, and the position after the last when more follow. */
  async list(q: Queryable, query: { model: string | null; onlineSince: number; limit: number; after: MinerListPosition | null }): Promise<{ minerIds: string[]; next: MinerListPosition | null }> {
    const after = query.after;
    const rows = await q.all(
      `SELECT m.miner_id, (m.last_seen_at >= @onlineSince::bigint) AS online, r.score_ppm FROM miners m JOIN miner_record r ON r.miner_id = m.miner_id
       WHERE (@model::text IS NULL OR EXISTS (SELECT 1 FROM miner_models mm WHERE mm.miner_id = m.miner_id AND mm.model = @model::text))
         AND (@afterOnline::boolean IS NULL OR (m.last_seen_at >= @onlineSince::bigint) < @afterOnline::boolean
           OR ((m.last_seen_at >= @onlineSince::bigint) = @afterOnline::boolean AND (r.score_ppm < @afterScore::bigint OR (r.score_ppm = @afterScore::bigint AND m.miner_id > @afterId::text))))
       ORDER BY online DESC, r.score_ppm DESC, m.miner_id LIMIT @take::bigint`,
      {
        onlineSince: query.onlineSince,
        model: query.model,
        afterOnline: after ? after.online : null,
        afterScore: after?.scorePpm ?? null,
        afterId: after?.minerId ?? null,
        take: query.limit + 1,
      },
    );
    const page = rows.slice(0, query.limit);
    const last = page.at(-1);
    return {
      minerIds: page.map((row) => row.miner_id as string),
      next: rows.length > query.limit && last ? { online: last.online === true, scorePpm: num(last.score_ppm), minerId: last.miner_id as string } : null,
    };
  }
}
