-- The state tree (docs/STATE-TREE.md): each node as of the block height that wrote it, so the
-- head's tree reads the latest row of a path and a proof at an older height the latest row at or
-- below it. Reverting a block deletes the rows of its height. 'empty' marks a path emptied.

CREATE TABLE state_nodes (
  path       TEXT NOT NULL,                     -- '0'/'1' from the root ('' is the root)
  height     INTEGER NOT NULL,
  kind       TEXT NOT NULL CHECK (kind IN ('empty', 'branch', 'leaf')),
  hash       TEXT,                              -- NULL for 'empty'
  leaf_key   TEXT,                              -- for leaves: the key, its value's hash and canonical JSON
  value_hash TEXT,
  value      TEXT,
  PRIMARY KEY (path, height)
) STRICT, WITHOUT ROWID;
CREATE INDEX state_nodes_by_height ON state_nodes(height);
