-- The report's kept tallies: each UTC day's incidents (day = created_at / 86400000000)
-- tallied once, all of them (service '') and those of one service, so that a report over
-- years merges stored days instead of reading every incident again.
--
-- A day's mark is created before the report reads the day's incidents; from then on,
-- every change to what the report reads of an incident of that day moves the mark's
-- version on. A tally is kept with the version it was read at, and used only while the
-- mark still has that version. Days never reported on have no mark, and their changes
-- cost one lookup of nothing (no row is locked: writers of today's incidents do not
-- queue behind one another).
CREATE TABLE report_marks (
    day     BIGINT PRIMARY KEY,
    version BIGINT NOT NULL
);

CREATE TABLE report_days (
    day     BIGINT NOT NULL,
    service TEXT   NOT NULL,
    version BIGINT NOT NULL,
    tally   TEXT   NOT NULL,
    PRIMARY KEY (day, service)
);

CREATE FUNCTION report_incident_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        UPDATE report_marks SET version = version + 1 WHERE day = OLD.created_at / 86400000000;
    END IF;
    IF TG_OP <> 'DELETE' THEN
        UPDATE report_marks SET version = version + 1 WHERE day = NEW.created_at / 86400000000
            AND (TG_OP = 'INSERT' OR NEW.created_at / 86400000000 <> OLD.created_at / 86400000000);
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER report_incident_changed AFTER INSERT OR DELETE OR UPDATE OF
    created_at, detected_at, acknowledged_at, mitigated_at, resolved_at, priority, severity,
    status, response_due_at, recurrence_of, updates_kept, updates_missed ON incidents
    FOR EACH ROW EXECUTE FUNCTION report_incident_changed();

CREATE FUNCTION report_service_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        UPDATE report_marks SET version = version + 1
        WHERE day = (SELECT created_at / 86400000000 FROM incidents WHERE id = OLD.incident_id);
    END IF;
    IF TG_OP <> 'DELETE' THEN
        UPDATE report_marks SET version = version + 1
        WHERE day = (SELECT created_at / 86400000000 FROM incidents WHERE id = NEW.incident_id);
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER report_service_changed AFTER INSERT OR DELETE OR UPDATE ON incident_services
    FOR EACH ROW EXECUTE FUNCTION report_service_changed();
