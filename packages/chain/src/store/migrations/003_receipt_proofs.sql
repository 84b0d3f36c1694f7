-- Receipts proven by an anchor_proof transaction (one proof per receipt); removed with its block
-- when that block is reverted.

CREATE TABLE receipt_proofs (
  receipt_id   TEXT PRIMARY KEY REFERENCES receipts(receipt_id),
  tx_hash      TEXT NOT NULL,
  block_height INTEGER NOT NULL REFERENCES blocks(height)
) STRICT;
