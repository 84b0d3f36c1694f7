-- The acceptance window and client disputes (issue 13). A completion pays the miner into `held`;
-- the receipt is released to `earned` (claimable, settleable) when its job's window ends, unless
-- the client disputed it in time: then the dispute's verdict releases it, or refunds the price.

-- New movement kinds (release and dispute_refund here; slash_credit for 009's slashes). SQLite cannot alter a CHECK, so the ledger is rebuilt with its rows and ids.
DROP TRIGGER ledger_no_update;
DROP TRIGGER ledger_no_delete;
CREATE TABLE ledger_v8 (
  entry_id    INTEGER PRIMARY KEY AUTOINCREMENT,
  movement_id TEXT NOT NULL,
  kind        TEXT NOT NULL CHECK (kind IN ('credit', 'escrow', 'refund', 'payout', 'claim',
                                            'deposit', 'settle', 'withdraw', 'withdrawn', 'withdraw_refund',
                                            'release', 'dispute_refund', 'slash_credit')),
  bucket      TEXT NOT NULL,
  amount      INTEGER NOT NULL,
  job_id      TEXT,
  receipt_id  TEXT,
  at          INTEGER NOT NULL
) STRICT;
INSERT INTO ledger_v8 SELECT * FROM ledger;
DROP TABLE ledger;
ALTER TABLE ledger_v8 RENAME TO ledger;
CREATE TRIGGER ledger_no_update BEFORE UPDATE ON ledger BEGIN SELECT RAISE(ABORT, 'ledger is append-only'); END;
CREATE TRIGGER ledger_no_delete BEFORE DELETE ON ledger BEGIN SELECT RAISE(ABORT, 'ledger is append-only'); END;

-- held:<miner>: earned by a completed job still inside its acceptance window.
ALTER TABLE miner_earnings ADD COLUMN held INTEGER NOT NULL DEFAULT 0 CHECK (held >= 0);

-- The job's window (set at submit: the coordinator's, or shorter as the client asked; 0 for check
-- jobs, which no client disputes) and when it ends (completion + window).
ALTER TABLE jobs ADD COLUMN acceptance_window_ms INTEGER NOT NULL DEFAULT 0;
ALTER TABLE jobs ADD COLUMN accept_until INTEGER;
UPDATE jobs SET accept_until = ended_at WHERE status = 'completed';
-- The client's dispute, once per job: open until the re-execution's check is decided (check_id,
-- kept for slashing: upheld means the check found the miner's run wrong).
ALTER TABLE jobs ADD COLUMN dispute_state TEXT CHECK (dispute_state IN ('open', 'upheld', 'rejected', 'inconclusive'));
ALTER TABLE jobs ADD COLUMN dispute_reason TEXT;
ALTER TABLE jobs ADD COLUMN disputed_at INTEGER;
ALTER TABLE jobs ADD COLUMN dispute_check_id INTEGER;
ALTER TABLE jobs ADD COLUMN dispute_detail TEXT;
ALTER TABLE jobs ADD COLUMN dispute_decided_at INTEGER;
CREATE INDEX jobs_disputes_open ON jobs(dispute_check_id) WHERE dispute_state = 'open';

-- A receipt leaves the window once: released to the miner, or refunded to the client. Receipts
-- from before this migration were paid straight to `earned`: released as they were made.
ALTER TABLE receipts ADD COLUMN released_at INTEGER;
ALTER TABLE receipts ADD COLUMN refunded_at INTEGER;
UPDATE receipts SET released_at = created_at;
CREATE INDEX receipts_held ON receipts(created_at) WHERE released_at IS NULL AND refunded_at IS NULL;
-- Only released receipts are batched for settlement.
DROP INDEX receipts_unbatched;
CREATE INDEX receipts_unbatched ON receipts(created_at) WHERE settlement_id IS NULL AND settled_at IS NULL AND released_at IS NOT NULL;
