-- 0001: the foundation schema. Never edit a shipped migration; add a new one.
-- Times are INTEGER milliseconds since the Unix epoch (UTC): compact, ordered,
-- and the same in PostgreSQL (bigint). Every table is keyed by tenant first so
-- that no query can reach another tenant's rows without naming it.

CREATE TABLE tenants (
  id         TEXT PRIMARY KEY,
  name       TEXT NOT NULL,
  time_zone  TEXT NOT NULL,
  created_at INTEGER NOT NULL
);

CREATE TABLE users (
  id            TEXT PRIMARY KEY,
  tenant_id     TEXT NOT NULL REFERENCES tenants(id),
  username      TEXT NOT NULL UNIQUE,
  display_name  TEXT NOT NULL,
  kana          TEXT NOT NULL DEFAULT '',
  role          TEXT NOT NULL,
  agent_id      TEXT NOT NULL DEFAULT '',
  team_id       TEXT NOT NULL DEFAULT '',
  disabled      INTEGER NOT NULL DEFAULT 0,
  password_hash TEXT NOT NULL,
  failed_logins INTEGER NOT NULL DEFAULT 0,
  locked_until  INTEGER NOT NULL DEFAULT 0,
  created_at    INTEGER NOT NULL
);
CREATE INDEX users_tenant ON users(tenant_id, id);

CREATE TABLE sessions (
  token_hash TEXT PRIMARY KEY,
  csrf_token TEXT NOT NULL,
  tenant_id  TEXT NOT NULL,
  user_id    TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
);
CREATE INDEX sessions_expiry ON sessions(expires_at);

CREATE TABLE api_tokens (
  id           TEXT PRIMARY KEY,
  tenant_id    TEXT NOT NULL REFERENCES tenants(id),
  user_id      TEXT NOT NULL,
  name         TEXT NOT NULL,
  role         TEXT NOT NULL,
  hash         TEXT NOT NULL UNIQUE,
  created_at   INTEGER NOT NULL,
  revoked      INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE teams (
  tenant_id TEXT NOT NULL REFERENCES tenants(id),
  id        TEXT NOT NULL,
  name      TEXT NOT NULL,
  leader_id TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (tenant_id, id)
);

CREATE TABLE skills (
  tenant_id TEXT NOT NULL REFERENCES tenants(id),
  id        TEXT NOT NULL,
  name      TEXT NOT NULL,
  PRIMARY KEY (tenant_id, id)
);

CREATE TABLE agents (
  tenant_id    TEXT NOT NULL REFERENCES tenants(id),
  id           TEXT NOT NULL,
  user_id      TEXT NOT NULL,
  name         TEXT NOT NULL,
  kana         TEXT NOT NULL DEFAULT '',
  team_id      TEXT NOT NULL DEFAULT '',
  state        TEXT NOT NULL,
  state_reason TEXT NOT NULL DEFAULT '',
  state_since  INTEGER NOT NULL,
  PRIMARY KEY (tenant_id, id)
);

CREATE TABLE agent_skills (
  tenant_id TEXT NOT NULL,
  agent_id  TEXT NOT NULL,
  skill_id  TEXT NOT NULL,
  level     INTEGER NOT NULL,
  PRIMARY KEY (tenant_id, agent_id, skill_id),
  FOREIGN KEY (tenant_id, agent_id) REFERENCES agents(tenant_id, id) ON DELETE CASCADE
);

CREATE TABLE queues (
  tenant_id             TEXT NOT NULL REFERENCES tenants(id),
  id                    TEXT NOT NULL,
  name                  TEXT NOT NULL,
  name_en               TEXT NOT NULL DEFAULT '',
  priority              INTEGER NOT NULL DEFAULT 0,
  sl_percent            INTEGER NOT NULL,
  sl_seconds            INTEGER NOT NULL,
  acw_seconds           INTEGER NOT NULL,
  hold_callback_seconds INTEGER NOT NULL,
  verification          TEXT NOT NULL DEFAULT '[]', -- JSON array of checklist items
  verification_required INTEGER NOT NULL DEFAULT 0,
  dtmf                  TEXT NOT NULL DEFAULT '',
  skills                TEXT NOT NULL DEFAULT '[]', -- JSON array of {skill_id, level}
  PRIMARY KEY (tenant_id, id)
);

CREATE TABLE contact_reasons (
  tenant_id TEXT NOT NULL REFERENCES tenants(id),
  id        TEXT NOT NULL,
  name      TEXT NOT NULL,
  name_en   TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (tenant_id, id)
);

CREATE TABLE dispositions (
  tenant_id  TEXT NOT NULL REFERENCES tenants(id),
  id         TEXT NOT NULL,
  name       TEXT NOT NULL,
  name_en    TEXT NOT NULL DEFAULT '',
  conversion INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (tenant_id, id)
);

CREATE TABLE customers (
  tenant_id  TEXT NOT NULL REFERENCES tenants(id),
  id         TEXT NOT NULL,
  name       TEXT NOT NULL,
  kana       TEXT NOT NULL DEFAULT '',
  email      TEXT NOT NULL DEFAULT '',
  notes      TEXT NOT NULL DEFAULT '',
  flags      TEXT NOT NULL DEFAULT '[]',
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (tenant_id, id)
);

-- Caller-ID lookup is the hot read (every call's screen pop), so the primary
-- key leads with the number: one B-tree descent, O(log n).
CREATE TABLE customer_phones (
  tenant_id   TEXT NOT NULL,
  number      TEXT NOT NULL,
  customer_id TEXT NOT NULL,
  label       TEXT NOT NULL DEFAULT '',
  position    INTEGER NOT NULL,
  PRIMARY KEY (tenant_id, number, customer_id),
  FOREIGN KEY (tenant_id, customer_id) REFERENCES customers(tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX customer_phones_customer ON customer_phones(tenant_id, customer_id, position);

CREATE TABLE contacts (
  tenant_id      TEXT NOT NULL REFERENCES tenants(id),
  id             TEXT NOT NULL,
  direction      TEXT NOT NULL,
  state          TEXT NOT NULL,
  queue_id       TEXT NOT NULL DEFAULT '',
  agent_id       TEXT NOT NULL DEFAULT '',
  customer_id    TEXT NOT NULL DEFAULT '',
  number         TEXT NOT NULL DEFAULT '',
  sip_call_id    TEXT NOT NULL DEFAULT '',
  reason_id      TEXT NOT NULL DEFAULT '',
  disposition_id TEXT NOT NULL DEFAULT '',
  notes          TEXT NOT NULL DEFAULT '',
  thank_you      INTEGER NOT NULL DEFAULT 0,
  arrived_at     INTEGER NOT NULL,
  queued_at      INTEGER,
  connected_at   INTEGER,
  ended_at       INTEGER,
  wrapped_at     INTEGER,
  PRIMARY KEY (tenant_id, id)
);
CREATE INDEX contacts_customer ON contacts(tenant_id, customer_id, id);
CREATE INDEX contacts_arrived ON contacts(tenant_id, arrived_at);
CREATE INDEX contacts_state ON contacts(tenant_id, state);

-- The event log. seq is the store-wide monotonic sequence: the rowid, so the
-- log is stored in sequence order. Events are never deleted, so a plain
-- INTEGER PRIMARY KEY never reuses a number; AUTOINCREMENT would add a write
-- of sqlite_sequence to every commit (about a third of a one-event commit's
-- page writes) to guard against a deletion that does not happen.
CREATE TABLE events (
  seq        INTEGER PRIMARY KEY,
  tenant_id  TEXT NOT NULL,
  type       TEXT NOT NULL,
  time       INTEGER NOT NULL,
  actor_id   TEXT NOT NULL DEFAULT '',
  agent_id   TEXT NOT NULL DEFAULT '',
  contact_id TEXT NOT NULL DEFAULT '',
  subject    TEXT NOT NULL DEFAULT '',
  payload    TEXT NOT NULL
);
CREATE INDEX events_tenant ON events(tenant_id, seq);
CREATE INDEX events_contact ON events(tenant_id, contact_id, seq) WHERE contact_id <> '';

CREATE TABLE trunks (
  tenant_id    TEXT NOT NULL REFERENCES tenants(id),
  id           TEXT NOT NULL,
  name         TEXT NOT NULL,
  allowed_nets TEXT NOT NULL, -- JSON array of CIDR prefixes
  PRIMARY KEY (tenant_id, id)
);

-- A dialled number selects its tenant, so numbers are unique installation-wide.
CREATE TABLE trunk_numbers (
  number        TEXT PRIMARY KEY,
  tenant_id     TEXT NOT NULL,
  trunk_id      TEXT NOT NULL,
  greeting      TEXT NOT NULL DEFAULT '',
  menu          TEXT NOT NULL DEFAULT '[]', -- JSON array of {digit, label, queue_id}
  default_queue TEXT NOT NULL DEFAULT '',
  position      INTEGER NOT NULL,
  FOREIGN KEY (tenant_id, trunk_id) REFERENCES trunks(tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX trunk_numbers_trunk ON trunk_numbers(tenant_id, trunk_id, position);
