-- A direct number goes straight to its default queue with no greeting
-- (tsunagu.DID.Direct).
ALTER TABLE trunk_numbers ADD COLUMN direct INTEGER NOT NULL DEFAULT 0;
