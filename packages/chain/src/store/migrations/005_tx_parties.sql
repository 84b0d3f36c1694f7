-- Every address a transaction touches (sender, recipient, each payout), one row per address and
-- transaction: the account history reads it, so a miner paid by a settle, or a verifier paid by a
-- slash, sees that transaction too. The store writes it with each block (txParties in
-- src/txs/registry.ts decides the addresses); this backfills the transactions stored before it,
-- by the same rules for the types that existed then.

CREATE TABLE tx_parties (
  address      TEXT NOT NULL,
  block_height INTEGER NOT NULL REFERENCES blocks(height),
  position     INTEGER NOT NULL,
  PRIMARY KEY (address, block_height, position)
) STRICT, WITHOUT ROWID;
CREATE INDEX tx_parties_by_block ON tx_parties(block_height);

INSERT INTO tx_parties (address, block_height, position)
SELECT sender, block_height, position FROM transactions
UNION SELECT recipient, block_height, position FROM transactions WHERE recipient <> ''
UNION SELECT json_extract(payout.value, '$.address'), tx.block_height, tx.position
  FROM transactions tx, json_each(tx.body, '$.payouts') payout WHERE json_extract(tx.body, '$.type') = 'settle'
UNION SELECT json_extract(payout.value, '$.address'), slash.block_height, slash.position
  FROM slashes slash, json_each(slash.record, '$.payouts') payout;

-- The history no longer searches transactions by recipient.
DROP INDEX transactions_by_recipient;
