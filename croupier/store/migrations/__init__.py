"""Alembic migrations of the PostgreSQL store's schema (``croupier db upgrade``)."""
