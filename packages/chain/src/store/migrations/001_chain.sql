-- Chain storage: blocks, their transactions and receipts (each belongs to one block, in order),
-- and account state. Amounts are integer µAIT.

CREATE TABLE blocks (
  height    INTEGER PRIMARY KEY,
  hash      TEXT NOT NULL UNIQUE,
  header    TEXT NOT NULL,                      -- JSON of the header, exactly as hashed
  signature TEXT NOT NULL,
  tx_count  INTEGER NOT NULL
) STRICT;

CREATE TABLE transactions (
  hash         TEXT PRIMARY KEY,
  block_height INTEGER NOT NULL REFERENCES blocks(height),
  position     INTEGER NOT NULL,
  sender       TEXT NOT NULL,
  recipient    TEXT NOT NULL,
  nonce        INTEGER NOT NULL,
  body         TEXT NOT NULL,
  signature    TEXT NOT NULL,
  UNIQUE (block_height, position),
  UNIQUE (sender, nonce)
) STRICT;
CREATE INDEX transactions_by_recipient ON transactions(recipient);

CREATE TABLE receipts (
  receipt_id   TEXT PRIMARY KEY,
  block_height INTEGER NOT NULL REFERENCES blocks(height),
  position     INTEGER NOT NULL,
  body         TEXT NOT NULL
) STRICT;

CREATE TABLE accounts (
  address TEXT PRIMARY KEY,
  balance INTEGER NOT NULL CHECK (balance >= 0),
  nonce   INTEGER NOT NULL CHECK (nonce >= 0)
) STRICT;

CREATE TABLE meta (
  name  TEXT PRIMARY KEY,
  value TEXT NOT NULL
) STRICT;
