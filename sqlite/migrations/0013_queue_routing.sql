-- 0013: a queue's routing settings: agent-selection strategy, how long an
-- offer rings, and where callers go past a maximum wait or length.
ALTER TABLE queues ADD COLUMN strategy TEXT NOT NULL DEFAULT '';
ALTER TABLE queues ADD COLUMN offer_timeout_seconds INTEGER NOT NULL DEFAULT 0;
ALTER TABLE queues ADD COLUMN max_wait_seconds INTEGER NOT NULL DEFAULT 0;
ALTER TABLE queues ADD COLUMN max_length INTEGER NOT NULL DEFAULT 0;
ALTER TABLE queues ADD COLUMN overflow_queue TEXT NOT NULL DEFAULT '';
