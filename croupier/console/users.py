"""Console users and what each role may do.

Users live in the store (``croupier users add``), their passwords as argon2 hashes. The
one user configured by ``CROUPIER_CONSOLE_USER`` / ``_PASSWORD`` stays as an admin
fallback so a fresh install (and ``croupier demo`` with its one-time password) can sign in
before anyone was added.
"""

from __future__ import annotations

import hmac
import re
from dataclasses import dataclass
from enum import StrEnum

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from croupier.store.base import Store
from croupier.store.models import UserRecord

USER_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")
MIN_PASSWORD_CHARS = 10

_hasher = PasswordHasher()
_DUMMY_HASH = _hasher.hash("not a password anyone has")
"""Verified against for unknown names, so a wrong name costs as long as a wrong password."""


class Role(StrEnum):
    MODERATOR = "moderator"
    EDITOR = "editor"
    ADMIN = "admin"


class Permission(StrEnum):
    READ_TICKETS = "read_tickets"
    ACT_ON_TICKETS = "act_on_tickets"
    DEAD_LETTERS = "dead_letters"
    WORKBENCH = "workbench"
    DASHBOARD = "dashboard"
    AUDIT = "audit"


ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.MODERATOR: frozenset(Permission) - {Permission.AUDIT},
    Role.EDITOR: frozenset({Permission.READ_TICKETS, Permission.WORKBENCH, Permission.DASHBOARD}),
    Role.ADMIN: frozenset(Permission),
}
"""Content editors see the queue and the FAQ's behaviour but act on no ticket; only
admins read the audit log."""


@dataclass(frozen=True)
class ConsoleUser:
    name: str
    role: Role

    def may(self, permission: Permission) -> bool:
        return permission in ROLE_PERMISSIONS[self.role]


class InvalidUser(ValueError):
    """A user name or password that ``users add`` refuses, with the reason."""


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def check_new_user(name: str, password: str) -> None:
    if not USER_NAME.match(name):
        raise InvalidUser(
            f"user name {name!r}: 1-64 characters, letters, digits and . _ @ - "
            "(starting with a letter or digit)"
        )
    if len(password) < MIN_PASSWORD_CHARS:
        raise InvalidUser(f"the password needs at least {MIN_PASSWORD_CHARS} characters")


async def add_user(store: Store, name: str, role: Role, password: str) -> UserRecord:
    """Raises InvalidUser, or UserExists from the store."""
    check_new_user(name, password)
    return await store.add_user(name, role.value, hash_password(password))


class UserDirectory:
    """Who may sign in: the store's users, then the configured fallback admin."""

    def __init__(self, store: Store, fallback_name: str, fallback_password: str | None) -> None:
        self._store = store
        self._fallback_name = fallback_name
        self._fallback_hash = hash_password(fallback_password) if fallback_password else None

    async def verify(self, name: str, password: str) -> ConsoleUser | None:
        """The user when the password is right, else None (same cost either way)."""
        record = await self._store.get_user(name) if USER_NAME.match(name) else None
        if record is not None:
            return (
                ConsoleUser(record.name, Role(record.role))
                if _matches(record.password_hash, password)
                else None
            )
        is_fallback = self._fallback_hash is not None and hmac.compare_digest(
            name.encode(), self._fallback_name.encode()
        )
        ok = _matches(
            self._fallback_hash if is_fallback and self._fallback_hash else _DUMMY_HASH, password
        )
        return ConsoleUser(self._fallback_name, Role.ADMIN) if ok and is_fallback else None


def _matches(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False
