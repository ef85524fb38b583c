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
