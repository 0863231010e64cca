-- Text search: trigram indexes answer `ILIKE '%text%'` on each searched column, so rare
-- text is found without reading every incident (SQLite keeps its own index file instead,
-- see search.rs).
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX incidents_key_trgm ON incidents USING gin (key gin_trgm_ops);
CREATE INDEX incidents_summary_trgm ON incidents USING gin (summary gin_trgm_ops);
CREATE INDEX incidents_description_trgm ON incidents USING gin (description gin_trgm_ops);
