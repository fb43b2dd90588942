"""``croupier db upgrade``: bring a PostgreSQL database's schema to the newest revision.

Alembic runs the plain-SQL revisions in ``croupier/store/migrations`` (shipped in the
package) over a short-lived synchronous psycopg connection; the running store never
migrates by itself, so several processes starting at once cannot race on the schema.
"""

from __future__ import annotations

from pathlib import Path

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
HEAD_REVISION = "0003"
"""The revision this code expects; :meth:`PostgresStore.open` refuses an older schema."""


def sqlalchemy_url(dsn: str) -> str:
    """``postgresql://…`` (asyncpg's form) as SQLAlchemy's psycopg 3 URL."""
    for prefix in ("postgresql://", "postgres://"):
        if dsn.startswith(prefix):
            return "postgresql+psycopg://" + dsn[len(prefix) :]
    raise ValueError("expected a postgresql:// URL")


def upgrade(dsn: str, revision: str = "head") -> None:
    """Blocking: call it from a thread (or the CLI), never on the event loop."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", sqlalchemy_url(dsn).replace("%", "%%"))
    command.upgrade(config, revision)
