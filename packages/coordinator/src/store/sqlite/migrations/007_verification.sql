-- The verification ladder (issue 12): check jobs, claim constraints, miner standing, the canary
-- pool and the checks themselves. A check job is an ordinary job (escrowed, paid, refunded by the
-- same movements); what makes it a check is only known here, never shown to the miner.

-- Why the job exists: a client's, or a check of another job (a canary, a re-execution of a client
-- job, a tie-break between two runs that disagreed).
ALTER TABLE jobs ADD COLUMN purpose TEXT NOT NULL DEFAULT 'client' CHECK (purpose IN ('client', 'canary', 'reexecution', 'tiebreak'));
-- The client job a re-execution or tie-break reproduces: a check's runs are the jobs naming its
-- subject, in the order they were made (the re-execution, then up to two tie-breaks). A tie-break
-- naming a canary job is the run confirming a canary answer that disagreed.
ALTER TABLE jobs ADD COLUMN subject_job_id TEXT;
-- The pool entry a canary job replays (or a canary's confirming run reproduces).
ALTER TABLE jobs ADD COLUMN canary_id INTEGER;
-- Claim constraints: the claimer must have advertised exactly this digest for the job's model, its
-- owner key may not be one of excluded_owners (JSON array), and its score must reach the minimum.
ALTER TABLE jobs ADD COLUMN required_digest TEXT;
ALTER TABLE jobs ADD COLUMN excluded_owners TEXT NOT NULL DEFAULT '[]';
ALTER TABLE jobs ADD COLUMN min_reputation_ppm INTEGER NOT NULL DEFAULT 0;
-- The client asked for a re-execution at its cost (POST /v1/jobs "verify": true).
ALTER TABLE jobs ADD COLUMN verify INTEGER NOT NULL DEFAULT 0;
-- 1: a client-paid re-execution made at submit, not claimable until its subject completes.
ALTER TABLE jobs ADD COLUMN awaiting_subject INTEGER NOT NULL DEFAULT 0;
-- The account the miner is told (claim `client`, receipt `client`): the job's own account for a
-- client job, the reproduced client job's for a check, so that a check looks like client work.
-- `account` stays who pays.
ALTER TABLE jobs ADD COLUMN receipt_client TEXT;
UPDATE jobs SET receipt_client = account;
-- What ran, copied from the receipt at completion (NULL for a version-1 receipt).
ALTER TABLE jobs ADD COLUMN model_digest TEXT;
ALTER TABLE jobs ADD COLUMN backend TEXT;
CREATE INDEX jobs_by_subject ON jobs(subject_job_id) WHERE subject_job_id IS NOT NULL;
CREATE INDEX jobs_canaries_by_miner ON jobs(pinned_miner_id, canary_id) WHERE canary_id IS NOT NULL;
CREATE INDEX jobs_by_canary ON jobs(canary_id, miner_id) WHERE canary_id IS NOT NULL;

-- A miner's standing under the pause policy (src/verification/pause.ts); paused_at is already here.
ALTER TABLE miner_record ADD COLUMN pause_reason TEXT;
ALTER TABLE miner_record ADD COLUMN needs_review INTEGER NOT NULL DEFAULT 0;
ALTER TABLE miner_record ADD COLUMN resume_streak INTEGER NOT NULL DEFAULT 0;
ALTER TABLE miner_record ADD COLUMN checks_failed INTEGER NOT NULL DEFAULT 0;
ALTER TABLE miner_record ADD COLUMN probation_start_jobs INTEGER NOT NULL DEFAULT 0;
UPDATE miner_record SET checks_failed = canaries_failed + reexecutions_disagreed;

-- Known-good answers: a client job two independent miners agreed on, or one a trusted miner ran.
-- Replayed as canaries to miners that advertise the same digest (and never ran it). A canary
-- answer that disagrees with an agreement is judged with the runs that agreed (majority.ts), and
-- a confirming run that sides with the canary's miner withdraws the entry for good.
CREATE TABLE canaries (
  canary_id         INTEGER PRIMARY KEY,
  model             TEXT NOT NULL,
  model_digest      TEXT NOT NULL,
  backend           TEXT NOT NULL,
  prompt            TEXT NOT NULL,
  params            TEXT NOT NULL,              -- JSON object, seed included
  output            TEXT NOT NULL,
  completion_tokens INTEGER NOT NULL,
  source            TEXT NOT NULL CHECK (source IN ('agreement', 'trusted')),
  source_job_id     TEXT NOT NULL UNIQUE,       -- the client job whose output this is
  receipt_client    TEXT NOT NULL,              -- the client named to the miner, as in the source job
  evidence_job_ids  TEXT NOT NULL,              -- JSON array: the runs that agreed on the output (2, or 3 after tie-breaks; the source job alone when trusted)
  created_at        INTEGER NOT NULL,
  withdrawn_at      INTEGER                     -- a confirming run disputed it: never sent again
) STRICT;
CREATE INDEX canaries_by_digest ON canaries(model, model_digest, canary_id) WHERE withdrawn_at IS NULL;

-- One verification of a miner's work. Pending while verdict is NULL; decided once (guarded on it).
-- A re-execution's runs (re-run, tie-breaks) are found by jobs.subject_job_id.
CREATE TABLE checks (
  check_id        INTEGER PRIMARY KEY,
  kind            TEXT NOT NULL CHECK (kind IN ('canary', 'reexecution')),
  miner_id        TEXT NOT NULL,                -- whose work is checked
  subject_job_id  TEXT,                         -- re-execution: the client job re-run
  check_job_id    TEXT NOT NULL UNIQUE,         -- the canary job, or the first re-run
  canary_id       INTEGER,
  verdict         TEXT CHECK (verdict IN ('agree', 'disagree', 'inconclusive', 'abandoned')),
  rule            TEXT,
  detail          TEXT,
  created_at      INTEGER NOT NULL,
  decided_at      INTEGER
) STRICT;
CREATE INDEX checks_pending ON checks(check_id) WHERE verdict IS NULL;
CREATE INDEX checks_by_miner ON checks(miner_id, check_id);
-- The miners whose run a verdict failed: the checked miner, or a verifier outvoted (majority.ts),
-- so that GET /v1/admin/checks?miner_id= also finds the checks a miner failed as a verifier.
CREATE TABLE check_failures (
  check_id INTEGER NOT NULL REFERENCES checks(check_id),
  miner_id TEXT NOT NULL,
  PRIMARY KEY (miner_id, check_id)
) STRICT, WITHOUT ROWID;
-- A client job is re-executed at most once (its tie-breaks belong to that one check).
CREATE UNIQUE INDEX checks_by_subject ON checks(subject_job_id) WHERE subject_job_id IS NOT NULL;
