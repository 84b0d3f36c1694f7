// Job rows on PostgreSQL: the SQLite engine's INSERT and row reader (src/store/sqlite/job-rows.ts)
// run unchanged here; this module only gives them the transaction's `q`.

import type { JobRecord, NewJob } from '../store.ts';
import { INSERT_JOB, jobInsertParams, toJob } from '../sqlite/job-rows.ts';
import type { Queryable } from './pg-db.ts';

/** Inserts a queued job (no escrow: the caller posts it in the same transaction) and returns its row as stored. */
export async function insertJob(q: Queryable, job: NewJob): Promise<JobRecord> {
  return toJob((await q.get(`${INSERT_JOB} RETURNING *`, jobInsertParams(job)))!);
}

/** The job, or null; `lock` holds its row until the transaction ends (read-then-write). */
export async function jobRow(q: Queryable, jobId: string, lock = false): Promise<JobRecord | null> {
  const row = await q.get(`SELECT * FROM jobs WHERE job_id = ?${lock ? ' FOR UPDATE' : ''}`, [jobId]);
  return row ? toJob(row) : null;
}
