-- Miner bonds as final blocks show them (issue 13): the coordinator reads `bond`, `unbond` and
-- `slash` transactions from final blocks, in the same transaction as the chain cursor moves.
-- Amounts are µAIT.

-- One row per bonded miner key: the address that bonded it (the chain lets one address only
-- bond a key at a time) and what is bonded now.
CREATE TABLE miner_bonds (
  miner_key     TEXT PRIMARY KEY,
  address       TEXT NOT NULL,
  bonded_micro  INTEGER NOT NULL CHECK (bonded_micro >= 0),
  block_height  INTEGER NOT NULL                 -- the last final block that changed it
) STRICT;

-- Unbonding entries (id: the unbond transaction's hash): slashable until `release_height`, when
-- the chain returns what is left of them to the address.
CREATE TABLE miner_unbondings (
  unbonding_id   TEXT PRIMARY KEY,
  miner_key      TEXT NOT NULL,
  address        TEXT NOT NULL,
  amount_micro   INTEGER NOT NULL CHECK (amount_micro >= 0),
  release_height INTEGER NOT NULL
) STRICT;
CREATE INDEX miner_unbondings_by_key ON miner_unbondings(miner_key, release_height);

-- Slashes: a miner that fails a check with byte-exact evidence and a bond is slashed on chain
-- (kind 'slash' in the outbox); the beneficiary's payout to the clearing address, once final,
-- is credited to the harmed client (movement 'slash_credit', allowed by 008's ledger). SQLite
-- cannot alter a CHECK, so the outbox is rebuilt with its rows and ids.

-- slash: `account` is the harmed client, `amount_micro` 0 until final, then what it was credited.
CREATE TABLE chain_outbox_v9 (
  outbox_id    INTEGER PRIMARY KEY AUTOINCREMENT,
  kind         TEXT NOT NULL CHECK (kind IN ('settle', 'withdraw', 'slash')),
  state        TEXT NOT NULL CHECK (state IN ('queued', 'pending', 'sent', 'final', 'failed', 'duplicate')),
  account      TEXT,
  to_address   TEXT,
  amount_micro INTEGER NOT NULL,
  nonce        INTEGER,
  tx_hash      TEXT UNIQUE,
  tx_json      TEXT,
  block_height INTEGER,
  error_code   TEXT,
  error        TEXT,
  created_at   INTEGER NOT NULL,
  updated_at   INTEGER NOT NULL
) STRICT;
INSERT INTO chain_outbox_v9 SELECT * FROM chain_outbox;
DROP TABLE chain_outbox;
ALTER TABLE chain_outbox_v9 RENAME TO chain_outbox;
CREATE INDEX chain_outbox_open ON chain_outbox(outbox_id) WHERE state IN ('queued', 'pending', 'sent');

-- One slash per receipt, ever (the chain refuses a second): the evidence as it will be signed.
CREATE TABLE chain_slashes (
  receipt_id   TEXT PRIMARY KEY,
  outbox_id    INTEGER NOT NULL UNIQUE,
  job_id       TEXT NOT NULL,
  miner_id     TEXT NOT NULL,
  miner_key    TEXT NOT NULL,
  check_id     INTEGER NOT NULL,
  evidence     TEXT NOT NULL,                   -- {receipt, references, reference_keys}, JSON
  created_at   INTEGER NOT NULL
) STRICT;
