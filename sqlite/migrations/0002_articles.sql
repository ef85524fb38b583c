-- 0002: the knowledge base's articles and every version of them. The search
-- index is not here: each node keeps its own (sqlite/kbindex.go), built from
-- these rows and kept in step through article:* events.

CREATE TABLE articles (
  tenant_id    TEXT NOT NULL REFERENCES tenants(id),
  id           TEXT NOT NULL,
  title        TEXT NOT NULL,
  body         TEXT NOT NULL,
  category     TEXT NOT NULL DEFAULT '',
  tags         TEXT NOT NULL DEFAULT '[]',
  queue_ids    TEXT NOT NULL DEFAULT '[]',
  status       TEXT NOT NULL,
  version      INTEGER NOT NULL,
  solved_count INTEGER NOT NULL DEFAULT 0,
  updated_by   TEXT NOT NULL DEFAULT '',
  created_at   INTEGER NOT NULL,
  updated_at   INTEGER NOT NULL,
  PRIMARY KEY (tenant_id, id)
);

CREATE TABLE article_versions (
  tenant_id  TEXT NOT NULL,
  article_id TEXT NOT NULL,
  version    INTEGER NOT NULL,
  title      TEXT NOT NULL,
  body       TEXT NOT NULL,
  category   TEXT NOT NULL,
  tags       TEXT NOT NULL,
  queue_ids  TEXT NOT NULL,
  status     TEXT NOT NULL,
  updated_by TEXT NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (tenant_id, article_id, version),
  FOREIGN KEY (tenant_id, article_id) REFERENCES articles(tenant_id, id) ON DELETE CASCADE
);

-- "This article is wrong or missing": agents to editors.
CREATE TABLE article_feedback (
  tenant_id   TEXT NOT NULL REFERENCES tenants(id),
  id          TEXT NOT NULL,
  article_id  TEXT NOT NULL DEFAULT '',
  kind        TEXT NOT NULL,
  note        TEXT NOT NULL DEFAULT '',
  query       TEXT NOT NULL DEFAULT '',
  contact_id  TEXT NOT NULL DEFAULT '',
  user_id     TEXT NOT NULL,
  open        INTEGER NOT NULL DEFAULT 1,
  resolved_by TEXT NOT NULL DEFAULT '',
  created_at  INTEGER NOT NULL,
  resolved_at INTEGER,
  PRIMARY KEY (tenant_id, id)
);
CREATE INDEX article_feedback_open ON article_feedback(tenant_id, open, id);

-- Each tenant's synonym dictionary, as the admin wrote it (one group a line).
CREATE TABLE kb_synonyms (
  tenant_id  TEXT PRIMARY KEY REFERENCES tenants(id),
  source     TEXT NOT NULL,
  updated_at INTEGER NOT NULL
);
