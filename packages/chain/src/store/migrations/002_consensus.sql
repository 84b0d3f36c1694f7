-- Consensus: what each block changed (so a block that is not final yet can be reverted when the
-- network settles on a longer branch), and the latest finality vote of each authority.

CREATE TABLE block_undo (
  height  INTEGER NOT NULL REFERENCES blocks(height),
  address TEXT NOT NULL,
  balance INTEGER,                              -- NULL: the account did not exist before the block
  nonce   INTEGER,
  PRIMARY KEY (height, address)
) STRICT;

CREATE TABLE votes (
  authority TEXT PRIMARY KEY,                   -- base64url public key
  height    INTEGER NOT NULL,
  hash      TEXT NOT NULL,
  signature TEXT NOT NULL
) STRICT;
