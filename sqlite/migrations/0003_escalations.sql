-- 0003: escalations (エスカレ): an operator asks the leader for an exception
-- while the caller waits. Rows are never deleted: an approved one is the
-- record of an exception granted (who asked, who decided, when, why).

CREATE TABLE escalations (
  tenant_id     TEXT NOT NULL REFERENCES tenants(id),
  id            TEXT NOT NULL,
  contact_id    TEXT NOT NULL,
  agent_id      TEXT NOT NULL,
  reason        TEXT NOT NULL,
  urgency       TEXT NOT NULL,
  note          TEXT NOT NULL DEFAULT '',
  status        TEXT NOT NULL DEFAULT 'pending',
  decided_by    TEXT NOT NULL DEFAULT '',
  decision_note TEXT NOT NULL DEFAULT '',
  created_at    INTEGER NOT NULL,
  decided_at    INTEGER,
  PRIMARY KEY (tenant_id, id),
  FOREIGN KEY (tenant_id, contact_id) REFERENCES contacts(tenant_id, id)
);
-- The inbox: a tenant's escalations by status, oldest first.
CREATE INDEX escalations_status ON escalations(tenant_id, status, id);
-- One open question per call: a second request while one is pending is a
-- conflict, not a duplicate in the leader's inbox.
CREATE UNIQUE INDEX escalations_pending ON escalations(tenant_id, contact_id) WHERE status = 'pending';
