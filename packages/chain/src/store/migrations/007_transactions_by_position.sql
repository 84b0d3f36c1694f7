-- Transactions stored in block order: the table is clustered on (block_height, position), so a
-- block's rows are appended together, and the hash has the one index beside it. Before, a rowid
-- table carried three more B-trees (the hash key, the position key and UNIQUE (sender, nonce)),
-- each written per transaction. A sender's nonce is spent once by the state rules (src/txs/common.ts:
-- a transaction's nonce must be its sender's next, kept in accounts and restored by block_undo),
-- so the unique index only repeated them.

CREATE TABLE transactions_new (
  block_height INTEGER NOT NULL REFERENCES blocks(height),
  position     INTEGER NOT NULL,
  hash         TEXT NOT NULL,
  sender       TEXT NOT NULL,
  recipient    TEXT NOT NULL,
  nonce        INTEGER NOT NULL,
  body         TEXT NOT NULL,
  signature    TEXT NOT NULL,
  PRIMARY KEY (block_height, position)
) STRICT, WITHOUT ROWID;

INSERT INTO transactions_new (block_height, position, hash, sender, recipient, nonce, body, signature)
SELECT block_height, position, hash, sender, recipient, nonce, body, signature FROM transactions ORDER BY block_height, position;
DROP TABLE transactions;
ALTER TABLE transactions_new RENAME TO transactions;
CREATE UNIQUE INDEX transactions_by_hash ON transactions(hash);
