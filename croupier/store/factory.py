"""Which store a configuration means: the SQLite file (default) or a PostgreSQL server."""

from __future__ import annotations

from pathlib import Path

from croupier.store.sqlite import SqliteStore

POSTGRES_SCHEMES = ("postgresql://", "postgres://")


def is_postgres(url: str | None) -> bool:
    return bool(url) and url.startswith(POSTGRES_SCHEMES)  # type: ignore[union-attr]


def make_store(url: str | None, sqlite_path: Path) -> SqliteStore:
    """``url`` None or empty: the embedded SQLite file at ``sqlite_path``.

    Both stores share one implementation of the Store protocol (PostgresStore extends
    SqliteStore's code paths), hence the one return type.
    """
    if not url:
        return SqliteStore(sqlite_path)
    if is_postgres(url):
        from croupier.store.postgres import PostgresStore

        return PostgresStore(url)
    raise ValueError("store must be a postgresql:// URL (or unset for the SQLite file)")
