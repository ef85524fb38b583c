-- 0005: agents' SIP desk phones. One row per agent that has SIP credentials
-- or has chosen a phone. Only the digest hashes (HA1 = H(user:realm:pass))
-- are kept, never the password: a digest server needs HA1 to check each
-- REGISTER, so a slow password hash cannot stand in for it (docs/telephony.md).
-- The username is unique across tenants because a REGISTER names only it.
-- Registrations (where the phone is now) are not stored: they live in the
-- SIP server's memory and phones re-register after a restart.

CREATE TABLE sip_phones (
  tenant_id  TEXT NOT NULL,
  agent_id   TEXT NOT NULL,
  kind       TEXT NOT NULL DEFAULT 'browser',
  username   TEXT,
  ha1_md5    TEXT NOT NULL DEFAULT '',
  ha1_sha256 TEXT NOT NULL DEFAULT '',
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (tenant_id, agent_id),
  FOREIGN KEY (tenant_id, agent_id) REFERENCES agents(tenant_id, id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX sip_phones_username ON sip_phones(username) WHERE username IS NOT NULL;
