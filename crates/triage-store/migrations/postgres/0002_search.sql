-- Text search: one trigram index over the searched text of an incident (key, summary and
-- description, joined by a character no search contains), which answers
-- `LIKE '%text%'` on that expression, so rare text is found without reading every
-- incident. SQLite keeps its own index file instead (search.rs).
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX incidents_text_trgm ON incidents USING gin
    ((lower(key || chr(31) || summary || chr(31) || description)) gin_trgm_ops);

-- The triage queue, "unassigned, most urgent first", in index order: PostgreSQL cannot
-- keep the order of (assignee_id, priority) when the first column is tested with IS NULL.
CREATE INDEX incidents_unassigned_priority ON incidents (COALESCE(priority, 5), id)
    WHERE assignee_id IS NULL;
