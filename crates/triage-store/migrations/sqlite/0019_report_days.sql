-- The report's kept tallies: each UTC day's incidents (day = created_at / 86400000000)
-- tallied once, all of them (service '') and those of one service, so that a report over
-- years merges stored days instead of reading every incident again.
--
-- A day's mark is created before the report reads the day's incidents; from then on,
-- every change to what the report reads of an incident of that day moves the mark's
-- version on. A tally is kept with the version it was read at, and used only while the
-- mark still has that version. Days never reported on have no mark, and their changes
-- cost one lookup of nothing.
CREATE TABLE report_marks (
    day     INTEGER PRIMARY KEY,
    version INTEGER NOT NULL
);

CREATE TABLE report_days (
    day     INTEGER NOT NULL,
    service TEXT    NOT NULL,
    version INTEGER NOT NULL,
    tally   TEXT    NOT NULL,
    PRIMARY KEY (day, service)
);

CREATE TRIGGER report_incident_added AFTER INSERT ON incidents
BEGIN
    UPDATE report_marks SET version = version + 1 WHERE day = NEW.created_at / 86400000000;
END;

CREATE TRIGGER report_incident_changed AFTER UPDATE OF
    created_at, detected_at, acknowledged_at, mitigated_at, resolved_at, priority, severity,
    status, response_due_at, recurrence_of, updates_kept, updates_missed ON incidents
BEGIN
    UPDATE report_marks SET version = version + 1
    WHERE day IN (OLD.created_at / 86400000000, NEW.created_at / 86400000000);
END;

CREATE TRIGGER report_incident_removed AFTER DELETE ON incidents
BEGIN
    UPDATE report_marks SET version = version + 1 WHERE day = OLD.created_at / 86400000000;
END;

CREATE TRIGGER report_service_added AFTER INSERT ON incident_services
BEGIN
    UPDATE report_marks SET version = version + 1
    WHERE day = (SELECT created_at / 86400000000 FROM incidents WHERE id = NEW.incident_id);
END;

CREATE TRIGGER report_service_changed AFTER UPDATE ON incident_services
BEGIN
    UPDATE report_marks SET version = version + 1
    WHERE day IN (SELECT created_at / 86400000000 FROM incidents
                  WHERE id IN (OLD.incident_id, NEW.incident_id));
END;

CREATE TRIGGER report_service_removed AFTER DELETE ON incident_services
BEGIN
    UPDATE report_marks SET version = version + 1
    WHERE day = (SELECT created_at / 86400000000 FROM incidents WHERE id = OLD.incident_id);
END;
