-- 0019: uploaded prompts in place of more built-in announcements: a
-- number's menu announcement and closed message, and the tenant's other
-- fixed announcements by name (tsunagu.Announcements).
ALTER TABLE trunk_numbers ADD COLUMN menu_prompt TEXT NOT NULL DEFAULT '';
ALTER TABLE trunk_numbers ADD COLUMN closed_prompt TEXT NOT NULL DEFAULT '';
CREATE TABLE announcements (
  tenant_id  TEXT NOT NULL REFERENCES tenants(id),
  name       TEXT NOT NULL,
  prompt_id  TEXT NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (tenant_id, name),
  FOREIGN KEY (tenant_id, prompt_id) REFERENCES prompts(tenant_id, id)
);
