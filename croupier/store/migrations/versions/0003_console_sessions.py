"""Console sessions in the database: a moderator signed in on one front end is signed in
on all of them (no sticky sessions needed), and a restart signs nobody out.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        "CREATE TABLE console_sessions ("
        " token_hash TEXT PRIMARY KEY,"
        " user_name TEXT NOT NULL,"
        " role TEXT NOT NULL,"
        " csrf_token TEXT NOT NULL,"
        " expires_at TEXT NOT NULL);"
        "CREATE INDEX console_sessions_expiry ON console_sessions(expires_at);"
    )


def downgrade() -> None:
    op.execute("DROP TABLE console_sessions;")
