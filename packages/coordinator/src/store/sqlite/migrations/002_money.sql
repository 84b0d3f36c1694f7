-- Money: balances, the append-only double-entry ledger behind them, receipt claims, per-key daily
-- submit counts, and operator settings (maintenance mode). Amounts are integer µAIT.

CREATE TABLE accounts (
  account    TEXT PRIMARY KEY,
  available  INTEGER NOT NULL DEFAULT 0 CHECK (available >= 0),
  escrowed   INTEGER NOT NULL DEFAULT 0 CHECK (escrowed >= 0),
  created_at INTEGER NOT NULL
) STRICT;

CREATE TABLE miner_earnings (
  miner_id TEXT PRIMARY KEY,
  earned   INTEGER NOT NULL DEFAULT 0 CHECK (earned >= 0),   -- paid by completed jobs, not yet claimed
  claimed  INTEGER NOT NULL DEFAULT 0 CHECK (claimed >= 0)   -- claimed receipts awaiting settlement
) STRICT;

-- Every movement is two or more entries that sum to zero, written in the same transaction as the
-- state change it pays for. Buckets: available:<account>, escrowed:<account>, earned:<miner>,
-- claimed:<miner>, and external (money that came in from outside: credits, later deposits).
CREATE TABLE ledger (
  entry_id    INTEGER PRIMARY KEY AUTOINCREMENT,
  movement_id TEXT NOT NULL,
  kind        TEXT NOT NULL CHECK (kind IN ('credit', 'escrow', 'refund', 'payout', 'claim')),
  bucket      TEXT NOT NULL,
  amount      INTEGER NOT NULL,
  job_id      TEXT,
  receipt_id  TEXT,
  at          INTEGER NOT NULL
) STRICT;
-- No secondary indexes: the ledger is written on every job and read only by the audit, which
-- scans it once.
CREATE TRIGGER ledger_no_update BEFORE UPDATE ON ledger BEGIN SELECT RAISE(ABORT, 'ledger is append-only'); END;
CREATE TRIGGER ledger_no_delete BEFORE DELETE ON ledger BEGIN SELECT RAISE(ABORT, 'ledger is append-only'); END;

ALTER TABLE receipts ADD COLUMN price_micro INTEGER NOT NULL DEFAULT 0;
ALTER TABLE receipts ADD COLUMN claimed_at INTEGER;

CREATE TABLE key_usage (
  key_id  TEXT NOT NULL,
  day     TEXT NOT NULL,                        -- UTC date, YYYY-MM-DD
  submits INTEGER NOT NULL,
  PRIMARY KEY (key_id, day)
) STRICT;

CREATE TABLE settings (
  name  TEXT PRIMARY KEY,
  value TEXT NOT NULL                           -- JSON
) STRICT;
