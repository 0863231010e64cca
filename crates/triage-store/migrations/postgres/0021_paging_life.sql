-- Paging follows the incident's whole life.
--
-- The current round's acknowledgement: set by every acknowledgement, cleared when it
-- lapses and when the incident reaches Done (a reopened incident is nobody's until
-- someone acknowledges it again). `acknowledged_at` is the first acknowledgement, the
-- response record: it is never cleared or moved again.
ALTER TABLE incidents ADD COLUMN current_ack_at BIGINT;
UPDATE incidents SET current_ack_at = acknowledged_at WHERE status_category <> 'Done';

-- Pages of this round and later have not yet been followed by a notice that the
-- incident is over (resolved).
ALTER TABLE escalations ADD COLUMN notice_round BIGINT NOT NULL DEFAULT 0;

-- What each outbox entry is for, and the escalation round a page belongs to: pages and
-- response-breach notices still queued when an incident stops paging are dropped, and
-- the people a round paged are told when it is over.
ALTER TABLE outbox ADD COLUMN purpose TEXT NOT NULL DEFAULT 'page';
ALTER TABLE outbox ADD COLUMN round BIGINT;
UPDATE outbox SET purpose = CASE
    WHEN idempotency_key LIKE 'page-%' THEN 'page'
    WHEN idempotency_key LIKE 'breach-%' THEN 'breach'
    WHEN idempotency_key LIKE 'action-%' THEN 'action_reminder'
    WHEN idempotency_key LIKE 'update-due-%' THEN 'update_reminder'
    ELSE 'stakeholder' END;
UPDATE outbox SET round = (SELECT e.round FROM escalations e WHERE e.incident_id = outbox.incident_id)
    WHERE purpose = 'page';
-- Replaced by dropping what is queued when the incident stops paging.
ALTER TABLE outbox DROP COLUMN needs_unacknowledged;
CREATE INDEX outbox_incident ON outbox (incident_id, purpose);
