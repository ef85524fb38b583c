-- 0015: voicemail (留守番電話). A number's answering-machine settings (JSON
-- tsunagu.Voicemail; '' = none), and on a callback the queue it is for and
-- the length of the message the caller left (0: not a voicemail). The
-- message itself is the contact's row in recordings.
ALTER TABLE trunk_numbers ADD COLUMN voicemail TEXT NOT NULL DEFAULT '';
ALTER TABLE callbacks ADD COLUMN queue_id TEXT NOT NULL DEFAULT '';
ALTER TABLE callbacks ADD COLUMN voicemail_ms INTEGER NOT NULL DEFAULT 0;
