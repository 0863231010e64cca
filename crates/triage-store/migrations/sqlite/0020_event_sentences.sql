-- What each event says after its actor's name (`EventData::describe`), written with the
-- event: a post-mortem drafted from ten thousand events reads their text instead of
-- parsing each one's JSON. Events written before this have none and are described from
-- their data when read.
ALTER TABLE events ADD COLUMN sentence TEXT;
