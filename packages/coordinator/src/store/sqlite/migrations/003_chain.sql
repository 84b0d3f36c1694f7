-- The coordinator on a chain: deposits credited from final blocks, receipts settled in batches,
-- withdrawals, and the outbox of signed transactions the clearing key sends. Amounts are µAIT.

-- New movement kinds. SQLite cannot alter a CHECK, so the ledger is rebuilt with its rows and ids.
DROP TRIGGER ledger_no_update;
DROP TRIGGER ledger_no_delete;
CREATE TABLE ledger_v3 (
  entry_id    INTEGER PRIMARY KEY AUTOINCREMENT,
  movement_id TEXT NOT NULL,
  kind        TEXT NOT NULL CHECK (kind IN ('credit', 'escrow', 'refund', 'payout', 'claim',
                                            'deposit', 'settle', 'withdraw', 'withdrawn', 'withdraw_refund')),
  bucket      TEXT NOT NULL,
  amount      INTEGER NOT NULL,
  job_id      TEXT,
  receipt_id  TEXT,
  at          INTEGER NOT NULL
) STRICT;
INSERT INTO ledger_v3 SELECT * FROM ledger;
DROP TABLE ledger;
ALTER TABLE ledger_v3 RENAME TO ledger;
CREATE TRIGGER ledger_no_update BEFORE UPDATE ON ledger BEGIN SELECT RAISE(ABORT, 'ledger is append-only'); END;
CREATE TRIGGER ledger_no_delete BEFORE DELETE ON ledger BEGIN SELECT RAISE(ABORT, 'ledger is append-only'); END;

-- withdrawing:<account>: asked to withdraw, transfer not final yet.
ALTER TABLE accounts ADD COLUMN withdrawing INTEGER NOT NULL DEFAULT 0 CHECK (withdrawing >= 0);

-- A receipt joins one settlement batch (an outbox row); settled_at once that batch is final.
ALTER TABLE receipts ADD COLUMN settlement_id INTEGER;
ALTER TABLE receipts ADD COLUMN settled_at INTEGER;
CREATE INDEX receipts_unbatched ON receipts(created_at) WHERE settlement_id IS NULL AND settled_at IS NULL;
CREATE INDEX receipts_by_settlement ON receipts(settlement_id) WHERE settlement_id IS NOT NULL;

-- Transactions the clearing key sends, one at a time in nonce order:
-- queued (money set aside, nothing signed) → pending (signed and stored with its nonce; may have
-- reached the node) → sent (the node has it) → final; or failed (refused: PAYMENT_FAILED) or
-- duplicate (a settlement refused because its receipts were already settled).
CREATE TABLE chain_outbox (
  outbox_id    INTEGER PRIMARY KEY AUTOINCREMENT,
  kind         TEXT NOT NULL CHECK (kind IN ('settle', 'withdraw')),
  state        TEXT NOT NULL CHECK (state IN ('queued', 'pending', 'sent', 'final', 'failed', 'duplicate')),
  account      TEXT,                            -- withdraw: whose money
  to_address   TEXT,                            -- withdraw: where it goes
  amount_micro INTEGER NOT NULL,                -- withdraw: the amount; settle: the receipts' total
  nonce        INTEGER,
  tx_hash      TEXT UNIQUE,
  tx_json      TEXT,                            -- the signed transaction exactly as sent
  block_height INTEGER,
  error_code   TEXT,
  error        TEXT,
  created_at   INTEGER NOT NULL,
  updated_at   INTEGER NOT NULL
) STRICT;
CREATE INDEX chain_outbox_open ON chain_outbox(outbox_id) WHERE state IN ('queued', 'pending', 'sent');

-- Transfers to the clearing address seen in final blocks, each once (by tx hash). `account` is
-- the credited account, or NULL when the memo named none we know (kept for an operator).
CREATE TABLE chain_deposits (
  tx_hash      TEXT PRIMARY KEY,
  block_height INTEGER NOT NULL,
  from_address TEXT NOT NULL,
  amount_micro INTEGER NOT NULL,
  memo         TEXT,
  account      TEXT,
  created_at   INTEGER NOT NULL
) STRICT;
CREATE INDEX chain_deposits_unmatched ON chain_deposits(created_at) WHERE account IS NULL;
