-- Outbound calls through a trunk (JSON tsunagu.TrunkOutbound without the
-- secret; '' = the trunk takes calls only). The carrier's digest password
-- lives in its own column so no query that lists trunks can return it.
ALTER TABLE trunks ADD COLUMN outbound TEXT NOT NULL DEFAULT '';
ALTER TABLE trunks ADD COLUMN outbound_secret TEXT NOT NULL DEFAULT '';
