-- The digest ("sha256:…") a miner advertises for each model it offers: the weights it claims to
-- serve, which its version-2 receipts must name. NULL for a model (or a miner, from before this
-- column) with none advertised; such a miner signs version-1 receipts.
ALTER TABLE miner_models ADD COLUMN model_digest TEXT;
