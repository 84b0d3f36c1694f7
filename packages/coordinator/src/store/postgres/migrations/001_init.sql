-- Coordinator schema on PostgreSQL: the same tables, columns and meanings as the SQLite engine's
-- migrations 001–012 (src/store/sqlite/migrations), in one step because this engine starts here.
-- Times are epoch milliseconds and money is µAIT, both BIGINT; flags and counters are BIGINT too,
-- so that rows read back exactly as the SQLite engine's do (src/store/postgres/pg-db.ts) and both
-- engines share their row readers. JSON is kept as TEXT, as written. Text compares byte by byte
-- (COLLATE "C", as SQLite does) whatever the database's locale, so that keyset pages and ties
-- order the same on both engines.

CREATE TABLE api_keys (
  key_id                TEXT COLLATE "C" PRIMARY KEY,
  key_hash              TEXT COLLATE "C" NOT NULL UNIQUE,
  scopes                TEXT COLLATE "C" NOT NULL,
  account               TEXT COLLATE "C" NOT NULL,
  rate_limit_per_minute BIGINT,
  daily_job_quota       BIGINT,
  expires_at            BIGINT,
  created_at            BIGINT NOT NULL,
  revoked_at            BIGINT
);

CREATE TABLE miners (
  miner_id        TEXT COLLATE "C" PRIMARY KEY,
  owner_key_id    TEXT COLLATE "C" NOT NULL,
  public_key      TEXT COLLATE "C" NOT NULL,
  payout_address  TEXT COLLATE "C" NOT NULL,
  max_concurrency BIGINT NOT NULL,
  gpu             TEXT COLLATE "C",
  registered_at   BIGINT NOT NULL,
  updated_at      BIGINT NOT NULL,
  last_seen_at    BIGINT NOT NULL
);

CREATE TABLE miner_models (
  miner_id         TEXT COLLATE "C" NOT NULL REFERENCES miners(miner_id) ON DELETE CASCADE,
  model            TEXT COLLATE "C" NOT NULL,
  unit_price_micro BIGINT NOT NULL,
  model_digest     TEXT COLLATE "C",
  capabilities     BIGINT NOT NULL DEFAULT 3,
  context_length   BIGINT,
  PRIMARY KEY (miner_id, model)
);
CREATE INDEX miner_models_by_model ON miner_models(model);

CREATE TABLE miner_record (
  miner_id               TEXT COLLATE "C" PRIMARY KEY REFERENCES miners(miner_id) ON DELETE CASCADE,
  first_seen_at          BIGINT NOT NULL,
  jobs_completed         BIGINT NOT NULL DEFAULT 0,
  jobs_failed            BIGINT NOT NULL DEFAULT 0,
  lease_lapses           BIGINT NOT NULL DEFAULT 0,
  canaries_passed        BIGINT NOT NULL DEFAULT 0,
  canaries_failed        BIGINT NOT NULL DEFAULT 0,
  reexecutions_agreed    BIGINT NOT NULL DEFAULT 0,
  reexecutions_disagreed BIGINT NOT NULL DEFAULT 0,
  uptime_ms              BIGINT NOT NULL DEFAULT 0,
  beat_at                BIGINT,
  score_ppm              BIGINT NOT NULL DEFAULT 0 CHECK (score_ppm BETWEEN 0 AND 1000000),
  paused_at              BIGINT,
  pause_reason           TEXT COLLATE "C",
  needs_review           BIGINT NOT NULL DEFAULT 0,
  resume_streak          BIGINT NOT NULL DEFAULT 0,
  checks_failed          BIGINT NOT NULL DEFAULT 0,
  probation_start_jobs   BIGINT NOT NULL DEFAULT 0
);

-- `seq` is the insertion order that breaks ties of queued_at in the queue (SQLite's rowid).
CREATE TABLE jobs (
  seq                  BIGINT GENERATED ALWAYS AS IDENTITY,
  job_id               TEXT COLLATE "C" PRIMARY KEY,
  account              TEXT COLLATE "C" NOT NULL,
  model                TEXT COLLATE "C" NOT NULL,
  prompt               TEXT COLLATE "C" NOT NULL,
  params               TEXT COLLATE "C" NOT NULL,
  max_price_micro      BIGINT NOT NULL,
  min_units            BIGINT NOT NULL,
  pinned_miner_id      TEXT COLLATE "C",
  status               TEXT COLLATE "C" NOT NULL CHECK (status IN ('queued','running','completed','failed','cancelled','expired')),
  attempts             BIGINT NOT NULL DEFAULT 0,
  created_at           BIGINT NOT NULL,
  queued_at            BIGINT NOT NULL,
  deadline             BIGINT NOT NULL,
  miner_id             TEXT COLLATE "C",
  claimed_at           BIGINT,
  lease_expires_at     BIGINT,
  claim_nonce          TEXT COLLATE "C",
  unit_price_micro     BIGINT,
  ended_at             BIGINT,
  output               TEXT COLLATE "C",
  prompt_tokens        BIGINT,
  completion_tokens    BIGINT,
  price_micro          BIGINT,
  receipt_id           TEXT COLLATE "C",
  error                TEXT COLLATE "C",
  purpose              TEXT COLLATE "C" NOT NULL DEFAULT 'client' CHECK (purpose IN ('client', 'canary', 'reexecution', 'tiebreak')),
  subject_job_id       TEXT COLLATE "C",
  canary_id            BIGINT,
  required_digest      TEXT COLLATE "C",
  excluded_owners      TEXT COLLATE "C" NOT NULL DEFAULT '[]',
  min_reputation_ppm   BIGINT NOT NULL DEFAULT 0,
  verify               BIGINT NOT NULL DEFAULT 0,
  awaiting_subject     BIGINT NOT NULL DEFAULT 0,
  receipt_client       TEXT COLLATE "C",
  model_digest         TEXT COLLATE "C",
  backend              TEXT COLLATE "C",
  acceptance_window_ms BIGINT NOT NULL DEFAULT 0,
  accept_until         BIGINT,
  dispute_state        TEXT COLLATE "C" CHECK (dispute_state IN ('open', 'upheld', 'rejected', 'inconclusive')),
  dispute_reason       TEXT COLLATE "C",
  disputed_at          BIGINT,
  dispute_check_id     BIGINT,
  dispute_detail       TEXT COLLATE "C",
  dispute_decided_at   BIGINT,
  kind                 TEXT COLLATE "C" NOT NULL DEFAULT 'text' CHECK (kind IN ('text', 'chat', 'embedding')),
  requires             BIGINT NOT NULL DEFAULT 0,
  output_data          TEXT COLLATE "C"
);
-- Partial indexes hold only open jobs, so finished jobs stop costing index writes.
CREATE INDEX jobs_queue ON jobs(model, queued_at, seq) WHERE status = 'queued';
CREATE INDEX jobs_running_by_miner ON jobs(miner_id) WHERE status = 'running';
CREATE INDEX jobs_open_by_deadline ON jobs(deadline) WHERE status IN ('queued', 'running');
CREATE INDEX jobs_running_by_lease ON jobs(lease_expires_at) WHERE status = 'running';
CREATE INDEX jobs_by_account ON jobs(account, created_at, job_id);
CREATE INDEX jobs_by_subject ON jobs(subject_job_id) WHERE subject_job_id IS NOT NULL;
CREATE INDEX jobs_canaries_by_miner ON jobs(pinned_miner_id, canary_id) WHERE canary_id IS NOT NULL;
CREATE INDEX jobs_by_canary ON jobs(canary_id, miner_id) WHERE canary_id IS NOT NULL;
CREATE INDEX jobs_disputes_open ON jobs(dispute_check_id) WHERE dispute_state = 'open';

CREATE TABLE receipts (
  receipt_id    TEXT COLLATE "C" PRIMARY KEY,
  job_id        TEXT COLLATE "C" NOT NULL UNIQUE REFERENCES jobs(job_id),
  miner_id      TEXT COLLATE "C" NOT NULL,
  account       TEXT COLLATE "C" NOT NULL,
  body          TEXT COLLATE "C" NOT NULL,
  created_at    BIGINT NOT NULL,
  price_micro   BIGINT NOT NULL DEFAULT 0,
  claimed_at    BIGINT,
  settlement_id BIGINT,
  settled_at    BIGINT,
  miner_key     TEXT COLLATE "C",
  released_at   BIGINT,
  refunded_at   BIGINT
);
CREATE INDEX receipts_by_settlement ON receipts(settlement_id) WHERE settlement_id IS NOT NULL;
CREATE INDEX receipts_held ON receipts(created_at) WHERE released_at IS NULL AND refunded_at IS NULL;
CREATE INDEX receipts_unbatched ON receipts(created_at) WHERE settlement_id IS NULL AND settled_at IS NULL AND released_at IS NOT NULL;
CREATE INDEX receipts_unsettled ON receipts(created_at) WHERE settled_at IS NULL AND refunded_at IS NULL;

CREATE TABLE idempotency_keys (
  account         TEXT COLLATE "C" NOT NULL,
  idempotency_key TEXT COLLATE "C" NOT NULL,
  request_hash    TEXT COLLATE "C" NOT NULL,
  job_id          TEXT COLLATE "C" NOT NULL,
  response        TEXT COLLATE "C" NOT NULL,
  created_at      BIGINT NOT NULL,
  PRIMARY KEY (account, idempotency_key)
);

CREATE TABLE accounts (
  account     TEXT COLLATE "C" PRIMARY KEY,
  available   BIGINT NOT NULL DEFAULT 0 CHECK (available >= 0),
  escrowed    BIGINT NOT NULL DEFAULT 0 CHECK (escrowed >= 0),
  withdrawing BIGINT NOT NULL DEFAULT 0 CHECK (withdrawing >= 0),
  created_at  BIGINT NOT NULL
);

CREATE TABLE miner_earnings (
  miner_id TEXT COLLATE "C" PRIMARY KEY,
  earned   BIGINT NOT NULL DEFAULT 0 CHECK (earned >= 0),
  claimed  BIGINT NOT NULL DEFAULT 0 CHECK (claimed >= 0),
  held     BIGINT NOT NULL DEFAULT 0 CHECK (held >= 0)
);

-- The append-only double-entry ledger (src/ledger/movements.ts writes its legs).
CREATE TABLE ledger (
  entry_id    BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  movement_id TEXT COLLATE "C" NOT NULL,
  kind        TEXT COLLATE "C" NOT NULL CHECK (kind IN ('credit', 'escrow', 'refund', 'payout', 'claim',
                                            'deposit', 'settle', 'withdraw', 'withdrawn', 'withdraw_refund',
                                            'release', 'dispute_refund', 'slash_credit')),
  bucket      TEXT COLLATE "C" NOT NULL,
  amount      BIGINT NOT NULL,
  job_id      TEXT COLLATE "C",
  receipt_id  TEXT COLLATE "C",
  at          BIGINT NOT NULL
);
CREATE FUNCTION ledger_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'ledger is append-only';
END $$;
CREATE TRIGGER ledger_no_update BEFORE UPDATE OR DELETE ON ledger FOR EACH ROW EXECUTE FUNCTION ledger_append_only();
CREATE TRIGGER ledger_no_truncate BEFORE TRUNCATE ON ledger FOR EACH STATEMENT EXECUTE FUNCTION ledger_append_only();

CREATE TABLE key_usage (
  key_id  TEXT COLLATE "C" NOT NULL,
  day     TEXT COLLATE "C" NOT NULL,
  submits BIGINT NOT NULL,
  PRIMARY KEY (key_id, day)
);

CREATE TABLE settings (
  name  TEXT COLLATE "C" PRIMARY KEY,
  value TEXT COLLATE "C" NOT NULL
);

CREATE TABLE chain_outbox (
  outbox_id    BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  kind         TEXT COLLATE "C" NOT NULL CHECK (kind IN ('settle', 'withdraw', 'slash')),
  state        TEXT COLLATE "C" NOT NULL CHECK (state IN ('queued', 'pending', 'sent', 'final', 'failed', 'duplicate')),
  account      TEXT COLLATE "C",
  to_address   TEXT COLLATE "C",
  amount_micro BIGINT NOT NULL,
  nonce        BIGINT,
  tx_hash      TEXT COLLATE "C" UNIQUE,
  tx_json      TEXT COLLATE "C",
  block_height BIGINT,
  error_code   TEXT COLLATE "C",
  error        TEXT COLLATE "C",
  created_at   BIGINT NOT NULL,
  updated_at   BIGINT NOT NULL
);
CREATE INDEX chain_outbox_open ON chain_outbox(outbox_id) WHERE state IN ('queued', 'pending', 'sent');

CREATE TABLE chain_deposits (
  tx_hash      TEXT COLLATE "C" PRIMARY KEY,
  block_height BIGINT NOT NULL,
  from_address TEXT COLLATE "C" NOT NULL,
  amount_micro BIGINT NOT NULL,
  memo         TEXT COLLATE "C",
  account      TEXT COLLATE "C",
  created_at   BIGINT NOT NULL
);
CREATE INDEX chain_deposits_unmatched ON chain_deposits(created_at) WHERE account IS NULL;

CREATE TABLE canaries (
  canary_id         BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  model             TEXT COLLATE "C" NOT NULL,
  model_digest      TEXT COLLATE "C" NOT NULL,
  backend           TEXT COLLATE "C" NOT NULL,
  prompt            TEXT COLLATE "C" NOT NULL,
  params            TEXT COLLATE "C" NOT NULL,
  output            TEXT COLLATE "C" NOT NULL,
  completion_tokens BIGINT NOT NULL,
  source            TEXT COLLATE "C" NOT NULL CHECK (source IN ('agreement', 'trusted')),
  source_job_id     TEXT COLLATE "C" NOT NULL UNIQUE,
  receipt_client    TEXT COLLATE "C" NOT NULL,
  evidence_job_ids  TEXT COLLATE "C" NOT NULL,
  created_at        BIGINT NOT NULL,
  withdrawn_at      BIGINT,
  kind              TEXT COLLATE "C" NOT NULL DEFAULT 'text'
);
CREATE INDEX canaries_by_digest ON canaries(model, model_digest, canary_id) WHERE withdrawn_at IS NULL;

CREATE TABLE checks (
  check_id        BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  kind            TEXT COLLATE "C" NOT NULL CHECK (kind IN ('canary', 'reexecution')),
  miner_id        TEXT COLLATE "C" NOT NULL,
  subject_job_id  TEXT COLLATE "C",
  check_job_id    TEXT COLLATE "C" NOT NULL UNIQUE,
  canary_id       BIGINT,
  verdict         TEXT COLLATE "C" CHECK (verdict IN ('agree', 'disagree', 'inconclusive', 'abandoned')),
  rule            TEXT COLLATE "C",
  detail          TEXT COLLATE "C",
  created_at      BIGINT NOT NULL,
  decided_at      BIGINT
);
CREATE INDEX checks_pending ON checks(check_id) WHERE verdict IS NULL;
CREATE INDEX checks_by_miner ON checks(miner_id, check_id);
CREATE UNIQUE INDEX checks_by_subject ON checks(subject_job_id) WHERE subject_job_id IS NOT NULL;
CREATE TABLE check_failures (
  check_id BIGINT NOT NULL REFERENCES checks(check_id),
  miner_id TEXT COLLATE "C" NOT NULL,
  PRIMARY KEY (miner_id, check_id)
);

CREATE TABLE miner_bonds (
  miner_key     TEXT COLLATE "C" PRIMARY KEY,
  address       TEXT COLLATE "C" NOT NULL,
  bonded_micro  BIGINT NOT NULL CHECK (bonded_micro >= 0),
  block_height  BIGINT NOT NULL
);

CREATE TABLE miner_unbondings (
  unbonding_id   TEXT COLLATE "C" PRIMARY KEY,
  miner_key      TEXT COLLATE "C" NOT NULL,
  address        TEXT COLLATE "C" NOT NULL,
  amount_micro   BIGINT NOT NULL CHECK (amount_micro >= 0),
  release_height BIGINT NOT NULL
);
CREATE INDEX miner_unbondings_by_key ON miner_unbondings(miner_key, release_height);

CREATE TABLE chain_slashes (
  receipt_id   TEXT COLLATE "C" PRIMARY KEY,
  outbox_id    BIGINT NOT NULL UNIQUE,
  job_id       TEXT COLLATE "C" NOT NULL,
  miner_id     TEXT COLLATE "C" NOT NULL,
  miner_key    TEXT COLLATE "C" NOT NULL,
  check_id     BIGINT NOT NULL,
  evidence     TEXT COLLATE "C" NOT NULL,
  created_at   BIGINT NOT NULL
);

CREATE TABLE duty_leases (
  duty       TEXT COLLATE "C" PRIMARY KEY,
  holder     TEXT COLLATE "C" NOT NULL,
  expires_at BIGINT NOT NULL
);
