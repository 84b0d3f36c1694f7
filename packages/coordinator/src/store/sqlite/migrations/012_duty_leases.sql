-- Single-owner duties among the coordinator processes on this database (src/store/contract/duties.ts):
-- who holds each, until when. A holder renews before expires_at; anyone may take an expired one.
CREATE TABLE duty_leases (
  duty       TEXT PRIMARY KEY,
  holder     TEXT NOT NULL,
  expires_at INTEGER NOT NULL
) STRICT;
