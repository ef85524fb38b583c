-- 0017: a queue may offer waiting callers "press 1 to be called back and
-- keep your place" with its announcements, after a given wait.
ALTER TABLE queues ADD COLUMN callback_offer INTEGER NOT NULL DEFAULT 0;
ALTER TABLE queues ADD COLUMN callback_offer_after_seconds INTEGER NOT NULL DEFAULT 0;
