"""Outbox leases: several senders (worker processes) share the outbox.

A sender leases the due rows it is about to send (``lease_owner``, ``lease_until``) so
no other sender takes them; a lease that runs out means its sender died. A ``sending``
row whose lease ran out is in doubt (its sender died mid-send) and becomes a dead
letter, as a ``sending`` row found at start-up does with one process.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        "ALTER TABLE outbox ADD COLUMN lease_owner TEXT, ADD COLUMN lease_until TEXT;"
        "CREATE INDEX outbox_open ON outbox(channel, conversation_key, id) "
        "WHERE status IN ('pending', 'sending');"
    )


def downgrade() -> None:
    op.execute(
        "DROP INDEX outbox_open; ALTER TABLE outbox DROP COLUMN lease_owner, DROP COLUMN lease_until;"
    )
