-- When service was first restored: the incident first reached Monitoring, or a Done
-- status without it. What MTTM measures; backfilled from the timeline.
ALTER TABLE incidents ADD COLUMN mitigated_at INTEGER;
UPDATE incidents SET mitigated_at = COALESCE(
    (SELECT MIN(e.at) FROM events e WHERE e.incident_id = incidents.id
       AND e.kind = 'status_changed' AND json_extract(e.data, '$.to') = 'Monitoring'),
    resolved_at);
