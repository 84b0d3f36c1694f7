-- Each miner's track record, the input of its reputation score (src/reputation/score.ts). Every
-- counter moves in the transaction of the event that causes it: a completion, a failure the miner
-- reported (or a stream it broke), a lease lapse (swept, or a job its heartbeat no longer lists),
-- a canary or re-execution check. score_ppm is the score in millionths, rewritten with the
-- counters so that listings sort on a stored integer. beat_at is the last liveness mark
-- (registration or heartbeat) that uptime_ms accumulates from.
CREATE TABLE miner_record (
  miner_id               TEXT PRIMARY KEY REFERENCES miners(miner_id) ON DELETE CASCADE,
  first_seen_at          INTEGER NOT NULL,
  jobs_completed         INTEGER NOT NULL DEFAULT 0,
  jobs_failed            INTEGER NOT NULL DEFAULT 0,
  lease_lapses           INTEGER NOT NULL DEFAULT 0,
  canaries_passed        INTEGER NOT NULL DEFAULT 0,
  canaries_failed        INTEGER NOT NULL DEFAULT 0,
  reexecutions_agreed    INTEGER NOT NULL DEFAULT 0,
  reexecutions_disagreed INTEGER NOT NULL DEFAULT 0,
  uptime_ms              INTEGER NOT NULL DEFAULT 0,
  beat_at                INTEGER,
  score_ppm              INTEGER NOT NULL DEFAULT 0 CHECK (score_ppm BETWEEN 0 AND 1000000),
  paused_at              INTEGER                      -- reserved: set by the pause policy (issue 12, later)
) STRICT;
-- No index on the score: the list sorts online-first (a function of the time asked), so it sorts
-- the miners matched anyway; an index would only cost a write per counter.

-- Miners from before this table: completions are known from their jobs, the rest starts at zero;
-- every score is recomputed when the store opens (SqliteMinerRecord.rescoreAll).
INSERT INTO miner_record (miner_id, first_seen_at, jobs_completed, score_ppm)
SELECT m.miner_id, m.registered_at,
       (SELECT count(*) FROM jobs j WHERE j.miner_id = m.miner_id AND j.status = 'completed'), 0
FROM miners m;
