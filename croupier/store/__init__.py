"""Durable state: events, conversations, tickets, outbox, dead letters.

:class:`croupier.store.base.Store` is the interface; ``sqlite.py`` is the embedded
default. A PostgreSQL backend implements the same methods.
"""
