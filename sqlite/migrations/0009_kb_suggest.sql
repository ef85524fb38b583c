-- Suggestions without typing (issue 7) count recent "solved with this"
-- marks by the solved contact's queue and reason: find those events without
-- walking the whole log.
CREATE INDEX events_article_solved ON events(tenant_id, time) WHERE type = 'article:solved';
