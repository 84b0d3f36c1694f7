-- Miner bonds (one row per miner key, removed when empty), unbonding entries (removed when
-- released or slashed to nothing) and slashes (one per receipt, ever). Amounts are integer µAIT.
-- bond_undo keeps the bond and unbonding rows each block replaced, as block_undo does for
-- accounts, so a block not yet final can be reverted.

CREATE TABLE bonds (
  miner_key TEXT PRIMARY KEY,                   -- base64url Ed25519 key the miner's receipts are signed with
  address   TEXT NOT NULL,
  amount    INTEGER NOT NULL CHECK (amount > 0)
) STRICT;
CREATE INDEX bonds_by_address ON bonds(address, miner_key);

CREATE TABLE unbondings (
  id             TEXT PRIMARY KEY,              -- the unbond transaction's hash
  miner_key      TEXT NOT NULL,
  address        TEXT NOT NULL,
  amount         INTEGER NOT NULL CHECK (amount > 0),
  release_height INTEGER NOT NULL
) STRICT;
CREATE INDEX unbondings_by_key ON unbondings(miner_key);
CREATE INDEX unbondings_by_address ON unbondings(address, release_height, id);
CREATE INDEX unbondings_by_release ON unbondings(release_height);

CREATE TABLE bond_undo (
  height INTEGER NOT NULL REFERENCES blocks(height),
  kind   TEXT NOT NULL CHECK (kind IN ('bonds', 'unbondings')),
  id     TEXT NOT NULL,                         -- the table's key: miner_key or id
  row    TEXT,                                  -- JSON of the row before the block; NULL: it did not exist
  PRIMARY KEY (height, kind, id)
) STRICT;

CREATE TABLE slashes (
  receipt_id   TEXT PRIMARY KEY,
  tx_hash      TEXT NOT NULL,
  block_height INTEGER NOT NULL REFERENCES blocks(height),
  position     INTEGER NOT NULL,
  miner_key    TEXT NOT NULL,
  bond_address TEXT NOT NULL,
  record       TEXT NOT NULL                    -- JSON: amounts taken and payouts
) STRICT;
CREATE INDEX slashes_by_bond_address ON slashes(bond_address, block_height, position);
CREATE INDEX slashes_by_block ON slashes(block_height);
