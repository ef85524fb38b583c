-- 0012: prompts an admin uploaded (8 kHz µ-law audio, at most a minute),
-- and the number whose greeting is one of them.
CREATE TABLE prompts (
  tenant_id  TEXT NOT NULL REFERENCES tenants(id),
  id         TEXT NOT NULL,
  name       TEXT NOT NULL,
  seconds    REAL NOT NULL,
  audio      BLOB NOT NULL,
  created_at INTEGER NOT NULL,
  created_by TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (tenant_id, id)
);
ALTER TABLE trunk_numbers ADD COLUMN greeting_prompt TEXT NOT NULL DEFAULT '';
