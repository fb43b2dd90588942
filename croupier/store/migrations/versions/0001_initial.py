"""The store's first PostgreSQL schema: the SQLite schema's tables, same columns.

Timestamps stay ISO-8601 UTC text (``2026-01-31T12:00:00.000+00:00``) exactly as the
SQLite store writes them: the store shares its SQL with the SQLite store, and the text
sorts and compares in time order because every writer uses the same format.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

UPGRADE = """
CREATE TABLE conversations (
    id BIGSERIAL PRIMARY KEY,
    channel TEXT NOT NULL,
    conversation_key TEXT NOT NULL,
    mode TEXT NOT NULL DEFAULT 'bot',
    lang TEXT,
    clarify_options TEXT NOT NULL DEFAULT '[]',
    open_ticket_id BIGINT,
    followup_sent INTEGER NOT NULL DEFAULT 0,
    is_public INTEGER NOT NULL DEFAULT 0,
    last_faq_id TEXT,
    last_answer_event_id BIGINT,
    misses INTEGER NOT NULL DEFAULT 0,
    updated_at TEXT NOT NULL,
    UNIQUE (channel, conversation_key)
);
CREATE TABLE events (
    id BIGSERIAL PRIMARY KEY,
    channel TEXT NOT NULL,
    platform_message_id TEXT NOT NULL,
    conversation_id BIGINT NOT NULL REFERENCES conversations(id),
    raw_payload TEXT NOT NULL,
    event_json TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'accepted',
    reason TEXT,
    decision_json TEXT,
    faq_id TEXT,
    feedback TEXT,
    received_at TEXT NOT NULL,
    processed_at TEXT,
    UNIQUE (channel, platform_message_id)
);
CREATE INDEX events_status ON events(status);
CREATE INDEX events_accepted_conversation ON events(conversation_id, id)
    WHERE status = 'accepted';
CREATE TABLE tickets (
    id BIGSERIAL PRIMARY KEY,
    conversation_id BIGINT NOT NULL REFERENCES conversations(id),
    reason TEXT NOT NULL,
    lang TEXT NOT NULL,
    is_public INTEGER NOT NULL,
    status TEXT NOT NULL DEFAULT 'open',
    opened_at TEXT NOT NULL,
    closed_at TEXT,
    closed_by TEXT,
    first_response_at TEXT,
    first_response_by TEXT,
    claimed_by TEXT,
    claimed_at TEXT,
    preview TEXT NOT NULL
);
CREATE INDEX tickets_status ON tickets(status);
CREATE TABLE transcript (
    id BIGSERIAL PRIMARY KEY,
    conversation_id BIGINT NOT NULL REFERENCES conversations(id),
    author TEXT NOT NULL,
    text TEXT NOT NULL,
    at TEXT NOT NULL,
    by_user TEXT
);
CREATE INDEX transcript_conversation ON transcript(conversation_id);
CREATE TABLE outbox (
    id BIGSERIAL PRIMARY KEY,
    channel TEXT NOT NULL,
    conversation_key TEXT NOT NULL,
    reply_json TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending',
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    last_error TEXT,
    platform_message_id TEXT,
    event_id BIGINT,
    created_at TEXT NOT NULL,
    sent_at TEXT
);
CREATE INDEX outbox_due ON outbox(status, next_attempt_at);
CREATE INDEX outbox_conversation ON outbox(channel, conversation_key, id);
CREATE TABLE cursors (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE dead_letters (
    id BIGSERIAL PRIMARY KEY,
    kind TEXT NOT NULL,
    ref_id BIGINT NOT NULL,
    reason TEXT NOT NULL,
    created_at TEXT NOT NULL,
    resolution TEXT,
    resolved_by TEXT,
    resolved_at TEXT
);
CREATE TABLE users (
    name TEXT PRIMARY KEY,
    role TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE TABLE audit_log (
    id BIGSERIAL PRIMARY KEY,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL DEFAULT '',
    detail TEXT NOT NULL DEFAULT ''
);
"""

DOWNGRADE = """
DROP TABLE audit_log, users, dead_letters, cursors, outbox, transcript, tickets, events,
    conversations;
"""


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
