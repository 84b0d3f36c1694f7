-- The web pages' lists (src/store/contract/dashboards.ts): receipts newest first by paying account,
-- by miner (also its earnings by day), and all of them (admin); jobs completed lately (the market).
CREATE INDEX receipts_by_account ON receipts(account, created_at, receipt_id);
CREATE INDEX receipts_by_miner ON receipts(miner_id, created_at, receipt_id);
CREATE INDEX receipts_by_time ON receipts(created_at, receipt_id);
CREATE INDEX jobs_completed_by_end ON jobs(ended_at) WHERE status = 'completed';
