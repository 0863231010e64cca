-- When an open action item's owner is next reminded of its due day (two days before,
-- then on the day); none once Done, or without an owner or a due day.
ALTER TABLE action_items ADD COLUMN remind_at INTEGER;
CREATE INDEX action_items_remind ON action_items (remind_at) WHERE remind_at IS NOT NULL;
