-- 0016: the dispositions each queue offers in the wrap-up (docs/desk.md).
-- A queue without rows offers every disposition of the tenant, so existing
-- queues keep offering all of them, and so does a disposition added later.
CREATE TABLE queue_dispositions (
  tenant_id      TEXT NOT NULL,
  queue_id       TEXT NOT NULL,
  disposition_id TEXT NOT NULL,
  position       INTEGER NOT NULL, -- the admin's order in the wrap-up's list
  PRIMARY KEY (tenant_id, queue_id, disposition_id),
  FOREIGN KEY (tenant_id, queue_id) REFERENCES queues(tenant_id, id),
  FOREIGN KEY (tenant_id, disposition_id) REFERENCES dispositions(tenant_id, id)
);
