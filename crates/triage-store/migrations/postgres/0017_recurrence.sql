-- The earlier incident an incident is a recurrence of: the same problem come back.
ALTER TABLE incidents ADD COLUMN recurrence_of BIGINT REFERENCES incidents (id);
CREATE INDEX incidents_recurrence ON incidents (recurrence_of) WHERE recurrence_of IS NOT NULL;
