-- 0007: call recordings. One per contact: the WAV file under the data
-- directory's recordings/ (path relative to it), its times, and the spans
-- written as silence at the operator's request (card numbers), as JSON
-- [{"from":"…","to":"…"}]. Rows are kept with the contact.

CREATE TABLE recordings (
  tenant_id   TEXT NOT NULL REFERENCES tenants(id),
  contact_id  TEXT NOT NULL,
  path        TEXT NOT NULL,
  started_at  INTEGER NOT NULL,
  ended_at    INTEGER,
  duration_ms INTEGER NOT NULL DEFAULT 0,
  paused      TEXT NOT NULL DEFAULT '[]',
  dropped     INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (tenant_id, contact_id),
  FOREIGN KEY (tenant_id, contact_id) REFERENCES contacts(tenant_id, id)
);
