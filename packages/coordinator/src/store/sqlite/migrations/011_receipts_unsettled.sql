-- Receipts not yet settled on chain nor refunded, oldest first: the settlement lag GET /metrics
-- reports reads the first of them instead of scanning every receipt ever settled.
CREATE INDEX receipts_unsettled ON receipts(created_at) WHERE settled_at IS NULL AND refunded_at IS NULL;
