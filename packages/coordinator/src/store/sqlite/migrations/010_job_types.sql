-- Job types and capabilities (issue 14). A job is a text completion, a chat turn or an embedding
-- request; `prompt` holds its canonical request text (JCS of the request for chat and embedding).
-- `requires` is the capability bit set (protocol CAPABILITIES order) a miner's model must offer to
-- claim it; a model's offer is `miner_models.capabilities`. `output_data` holds what a job
-- produced besides text: a chat turn's tool calls or an embedding job's vectors (JSON).
ALTER TABLE jobs ADD COLUMN kind TEXT NOT NULL DEFAULT 'text' CHECK (kind IN ('text', 'chat', 'embedding'));
ALTER TABLE jobs ADD COLUMN requires INTEGER NOT NULL DEFAULT 0;
ALTER TABLE jobs ADD COLUMN output_data TEXT;
-- Before this migration every model did plain text generation: completion and chat (bits 1 | 2).
ALTER TABLE miner_models ADD COLUMN capabilities INTEGER NOT NULL DEFAULT 3;
ALTER TABLE miner_models ADD COLUMN context_length INTEGER;
-- A canary replays its source job's kind; its `output` is the canonical output text (tool calls included).
ALTER TABLE canaries ADD COLUMN kind TEXT NOT NULL DEFAULT 'text';
