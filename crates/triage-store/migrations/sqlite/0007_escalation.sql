-- Escalation policies: ordered levels, each paging users and/or whoever is on call in
-- schedules, then waiting before the next; the whole policy may repeat. Each service
-- has at most one, and says which priorities page.
CREATE TABLE escalation_policies (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    description TEXT NOT NULL DEFAULT '',
    repeats     INTEGER NOT NULL DEFAULT 0,
    -- An acknowledgement not followed by progress (a transition, a comment) within this
    -- many seconds lapses, and the policy pages again from level 1. None: never.
    ack_timeout_seconds INTEGER CHECK (ack_timeout_seconds > 0),
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);

CREATE TABLE escalation_levels (
    policy_id     INTEGER NOT NULL REFERENCES escalation_policies (id) ON DELETE CASCADE,
    position      INTEGER NOT NULL,
    delay_seconds INTEGER NOT NULL CHECK (delay_seconds > 0),
    PRIMARY KEY (policy_id, position)
);

-- A level's targets in order: a user, or a schedule (whoever is on call in it). A
-- schedule a policy uses cannot be deleted.
CREATE TABLE escalation_targets (
    policy_id      INTEGER NOT NULL,
    level_position INTEGER NOT NULL,
    position       INTEGER NOT NULL,
    user_id        INTEGER REFERENCES users (id),
    schedule_id    INTEGER REFERENCES schedules (id),
    PRIMARY KEY (policy_id, level_position, position),
    FOREIGN KEY (policy_id, level_position)
        REFERENCES escalation_levels (policy_id, position) ON DELETE CASCADE,
    CHECK ((user_id IS NULL) <> (schedule_id IS NULL))
);
CREATE INDEX escalation_targets_schedule ON escalation_targets (schedule_id);

ALTER TABLE services ADD COLUMN escalation_policy_id INTEGER
    REFERENCES escalation_policies (id) ON DELETE SET NULL;
-- Priorities whose incidents page (the others notify without paging), e.g. 'P1,P2'.
ALTER TABLE services ADD COLUMN paging_priorities TEXT NOT NULL DEFAULT 'P1,P2';
