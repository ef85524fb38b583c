-- 0006: targets, praise and protection (docs/floor-praise.md).

-- Daily targets. scope: everyone | agent | team; scope_id '' for everyone.
-- A row with daily 0 is never kept: setting 0 deletes the target.
CREATE TABLE targets (
  tenant_id  TEXT NOT NULL REFERENCES tenants(id),
  scope      TEXT NOT NULL,
  scope_id   TEXT NOT NULL DEFAULT '',
  metric     TEXT NOT NULL,
  daily      INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (tenant_id, scope, scope_id, metric)
);

-- Praise history: achievements and kudos. day is YYYY-MM-DD in the tenant's
-- time zone; the partial unique index makes an achievement fire once per
-- agent, metric and day however often the check runs.
CREATE TABLE praise (
  tenant_id  TEXT NOT NULL REFERENCES tenants(id),
  id         TEXT NOT NULL,
  kind       TEXT NOT NULL,
  agent_id   TEXT NOT NULL,
  agent_name TEXT NOT NULL DEFAULT '',
  message    TEXT NOT NULL,
  message_en TEXT NOT NULL DEFAULT '',
  metric     TEXT NOT NULL DEFAULT '',
  target     INTEGER NOT NULL DEFAULT 0,
  count      INTEGER NOT NULL DEFAULT 0,
  day        TEXT NOT NULL DEFAULT '',
  from_id    TEXT NOT NULL DEFAULT '',
  from_name  TEXT NOT NULL DEFAULT '',
  at         INTEGER NOT NULL,
  PRIMARY KEY (tenant_id, id),
  FOREIGN KEY (tenant_id, agent_id) REFERENCES agents(tenant_id, id)
);
CREATE UNIQUE INDEX praise_achievement ON praise(tenant_id, agent_id, metric, day) WHERE kind = 'achieved';
CREATE INDEX praise_agent ON praise(tenant_id, agent_id, at);
CREATE INDEX praise_at ON praise(tenant_id, at);

-- Per-tenant protection settings (one row once an admin sets them).
CREATE TABLE protection (
  tenant_id        TEXT PRIMARY KEY REFERENCES tenants(id),
  recovery_mode    TEXT NOT NULL,
  recovery_minutes INTEGER NOT NULL,
  flagged_queue_id TEXT NOT NULL DEFAULT '',
  updated_at       INTEGER NOT NULL
);

-- Calls kept away from an agent until a time (a leader's decision or an
-- enforced recovery break).
CREATE TABLE agent_protection (
  tenant_id TEXT NOT NULL,
  agent_id  TEXT NOT NULL,
  until     INTEGER NOT NULL,
  reason    TEXT NOT NULL,
  set_by    TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (tenant_id, agent_id),
  FOREIGN KEY (tenant_id, agent_id) REFERENCES agents(tenant_id, id) ON DELETE CASCADE
);

-- Numbers of callers flagged abusive: the latest severity. Contacts read it
-- (caller_flag) so the screen pop warns and routing can send the call apart.
CREATE TABLE flagged_callers (
  tenant_id  TEXT NOT NULL REFERENCES tenants(id),
  number     TEXT NOT NULL,
  severity   TEXT NOT NULL,
  contact_id TEXT NOT NULL,
  flagged_at INTEGER NOT NULL,
  PRIMARY KEY (tenant_id, number)
);

-- keep_recording: the recording outlives normal retention (a flagged call).
ALTER TABLE contacts ADD COLUMN keep_recording INTEGER NOT NULL DEFAULT 0;

-- Today's counts read contacts by agent and day.
CREATE INDEX contacts_agent_day ON contacts(tenant_id, agent_id, arrived_at);
