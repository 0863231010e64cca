-- Incidents whose searchable text (key, summary, description) is new or changed, in
-- order. The search index, a file of its own written by its own connection (search.rs),
-- follows this queue by sequence number; writes only append to it.
CREATE TABLE search_queue (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    incident_id INTEGER NOT NULL
);

CREATE TRIGGER search_queue_created AFTER INSERT ON incidents
BEGIN
    INSERT INTO search_queue (incident_id) VALUES (NEW.id);
END;

CREATE TRIGGER search_queue_changed AFTER UPDATE OF summary, description ON incidents
WHEN NEW.summary IS NOT OLD.summary OR NEW.description IS NOT OLD.description
BEGIN
    INSERT INTO search_queue (incident_id) VALUES (NEW.id);
END;

-- Incidents created before this migration are indexed too.
INSERT INTO search_queue (incident_id) SELECT id FROM incidents ORDER BY id;
