-- Whether a client asked to be shown the job's output as it is made (a streamed OpenAI request),
-- set at submit: only such a job's stream is relayed and its completion held to what was shown.
ALTER TABLE jobs ADD COLUMN live INTEGER NOT NULL DEFAULT 0;
