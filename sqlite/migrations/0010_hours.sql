-- Business hours of a dialled number (JSON tsunagu.BusinessHours; '' = always open).
ALTER TABLE trunk_numbers ADD COLUMN hours TEXT NOT NULL DEFAULT '';
