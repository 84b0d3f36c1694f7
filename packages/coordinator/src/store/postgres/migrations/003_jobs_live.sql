-- Whether a client asked to be shown the job's output as it is made (a streamed OpenAI request),
-- set at submit, as the SQLite engine's migration 014.
ALTER TABLE jobs ADD COLUMN live BIGINT NOT NULL DEFAULT 0;
