-- Coordinator schema v1. Times are epoch milliseconds; money is integer µAIT.

CREATE TABLE api_keys (
  key_id                TEXT PRIMARY KEY,
  key_hash              TEXT NOT NULL UNIQUE,   -- sha256 hex of the key; the key itself is never stored
  scopes                TEXT NOT NULL,          -- comma-separated subset of client,miner,admin
  account               TEXT NOT NULL,
  rate_limit_per_minute INTEGER,
  daily_job_quota       INTEGER,
  expires_at            INTEGER,
  created_at            INTEGER NOT NULL,
  revoked_at            INTEGER
) STRICT;

CREATE TABLE miners (
  miner_id        TEXT PRIMARY KEY,
  owner_key_id    TEXT NOT NULL,
  public_key      TEXT NOT NULL,                -- base64url raw Ed25519 key
  payout_address  TEXT NOT NULL,
  max_concurrency INTEGER NOT NULL,
  gpu             TEXT,                         -- JSON or NULL
  registered_at   INTEGER NOT NULL,
  updated_at      INTEGER NOT NULL,
  last_seen_at    INTEGER NOT NULL
) STRICT;

CREATE TABLE miner_models (
  miner_id         TEXT NOT NULL REFERENCES miners(miner_id) ON DELETE CASCADE,
  model            TEXT NOT NULL,
  unit_price_micro INTEGER NOT NULL,
  PRIMARY KEY (miner_id, model)
) STRICT;
CREATE INDEX miner_models_by_model ON miner_models(model);

CREATE TABLE jobs (
  job_id            TEXT PRIMARY KEY,
  account           TEXT NOT NULL,
  model             TEXT NOT NULL,
  prompt            TEXT NOT NULL,
  params            TEXT NOT NULL,              -- JSON object
  max_price_micro   INTEGER NOT NULL,
  min_units         INTEGER NOT NULL,           -- units max_price must cover at the miner's price
  pinned_miner_id   TEXT,
  status            TEXT NOT NULL CHECK (status IN ('queued','running','completed','failed','cancelled','expired')),
  attempts          INTEGER NOT NULL DEFAULT 0,
  created_at        INTEGER NOT NULL,
  queued_at         INTEGER NOT NULL,           -- queue order: re-queued jobs go to the back
  deadline          INTEGER NOT NULL,
  miner_id          TEXT,
  claimed_at        INTEGER,
  lease_expires_at  INTEGER,
  claim_nonce       TEXT,
  unit_price_micro  INTEGER,
  ended_at          INTEGER,
  output            TEXT,
  prompt_tokens     INTEGER,
  completion_tokens INTEGER,
  price_micro       INTEGER,
  receipt_id        TEXT,
  error             TEXT
) STRICT;
-- Partial indexes hold only open jobs, so finished jobs stop costing index writes.
-- Index entries end with the rowid, so (queued_at, rowid) is exact FIFO, insertion order breaking ties.
CREATE INDEX jobs_queue ON jobs(model, queued_at) WHERE status = 'queued';
CREATE INDEX jobs_running_by_miner ON jobs(miner_id) WHERE status = 'running';
CREATE INDEX jobs_open_by_deadline ON jobs(deadline) WHERE status IN ('queued', 'running');
CREATE INDEX jobs_running_by_lease ON jobs(lease_expires_at) WHERE status = 'running';
CREATE INDEX jobs_by_account ON jobs(account, created_at, job_id);

CREATE TABLE receipts (
  receipt_id TEXT PRIMARY KEY,
  job_id     TEXT NOT NULL UNIQUE REFERENCES jobs(job_id),
  miner_id   TEXT NOT NULL,
  account    TEXT NOT NULL,
  body       TEXT NOT NULL,                     -- the receipt JSON exactly as signed
  created_at INTEGER NOT NULL
) STRICT;

CREATE TABLE idempotency_keys (
  account         TEXT NOT NULL,
  idempotency_key TEXT NOT NULL,
  request_hash    TEXT NOT NULL,
  job_id          TEXT NOT NULL,
  response        TEXT NOT NULL,                -- the original 201 body
  created_at      INTEGER NOT NULL,
  PRIMARY KEY (account, idempotency_key)
) STRICT;
