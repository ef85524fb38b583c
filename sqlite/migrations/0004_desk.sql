-- 0004: the operator's desk around a call: the identity check and the
-- abusive flag on the contact, callback tasks, the customer's voice for the
-- product team (VOC), and the tenant's wrap-up note templates.

-- verification: '' until recorded, then verified | refused | failed;
-- verified_items: the checklist items the caller confirmed (JSON array).
ALTER TABLE contacts ADD COLUMN verification TEXT NOT NULL DEFAULT '';
ALTER TABLE contacts ADD COLUMN verified_items TEXT NOT NULL DEFAULT '[]';
-- abusive: '' or the severity (low | medium | high).
ALTER TABLE contacts ADD COLUMN abusive TEXT NOT NULL DEFAULT '';

-- A promise to call back. owner_id '' means anyone may take it. Rows are
-- kept when done: they are the record that the promise was kept.
CREATE TABLE callbacks (
  tenant_id   TEXT NOT NULL REFERENCES tenants(id),
  id          TEXT NOT NULL,
  contact_id  TEXT NOT NULL DEFAULT '',
  customer_id TEXT NOT NULL DEFAULT '',
  number      TEXT NOT NULL,
  due_at      INTEGER NOT NULL,
  owner_id    TEXT NOT NULL DEFAULT '',
  created_by  TEXT NOT NULL DEFAULT '',
  note        TEXT NOT NULL DEFAULT '',
  status      TEXT NOT NULL DEFAULT 'open',
  created_at  INTEGER NOT NULL,
  done_at     INTEGER,
  done_by     TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (tenant_id, id)
);
-- "My callbacks": an owner's open ones, soonest due first.
CREATE INDEX callbacks_owner ON callbacks(tenant_id, status, owner_id, due_at);

-- The voice of the customer (お客様の声): feedback for the product team.
CREATE TABLE voc (
  tenant_id  TEXT NOT NULL REFERENCES tenants(id),
  id         TEXT NOT NULL,
  contact_id TEXT NOT NULL,
  agent_id   TEXT NOT NULL DEFAULT '',
  category   TEXT NOT NULL,
  text       TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (tenant_id, id),
  FOREIGN KEY (tenant_id, contact_id) REFERENCES contacts(tenant_id, id)
);
CREATE INDEX voc_category ON voc(tenant_id, category, id);

-- Wrap-up note templates: a short ordered list per tenant.
CREATE TABLE note_templates (
  tenant_id TEXT NOT NULL REFERENCES tenants(id),
  position  INTEGER NOT NULL,
  text      TEXT NOT NULL,
  PRIMARY KEY (tenant_id, position)
);
