"""Console sign-in: sessions, CSRF tokens and lock-out over a :class:`UserDirectory`.

Sessions live in the store (by the SHA-256 of their cookie), so every front end of a
scaled deployment knows them, a sign-out ends them everywhere, and a restart signs nobody
out. Lock-outs after failed passwords live in each process's memory: behind several
front ends an attacker gets that many more tries, still far too few to guess a password.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Protocol

from croupier.console.users import ConsoleUser, Role, UserDirectory
from croupier.store.models import StoredSession

SESSION_SECONDS = 12 * 3600
MAX_FAILURES = 5
LOCKOUT_SECONDS = 15 * 60
MAX_TOKEN_CHARS = 100
"""Our cookies are 43 characters; anything much longer is not worth a database look-up."""


@dataclass
class ConsoleSession:
    token: str
    """The cookie value."""
    user: str
    role: Role
    csrf_token: str
    expires_at: datetime

    @property
    def console_user(self) -> ConsoleUser:
        return ConsoleUser(self.user, self.role)


class SessionStore(Protocol):
    async def save_console_session(self, session: StoredSession) -> None: ...

    async def console_session(self, token_hash: str) -> StoredSession | None: ...

    async def delete_console_session(self, token_hash: str) -> None: ...


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass
class _Failures:
    count: int = 0
    locked_until: float = 0.0


@dataclass
class ConsoleAuth:
    users: UserDirectory
    sessions: SessionStore
    _failures: dict[str, _Failures] = field(default_factory=dict)

    def is_locked(self, user: str) -> bool:
        return self._failures.get(user, _Failures()).locked_until > time.monotonic()

    async def sign_in(self, user: str, password: str) -> ConsoleSession | None:
        """A new session, or None (wrong credentials or locked out)."""
        if self.is_locked(user):
            return None
        signed_in = await self.users.verify(user, password)
        if signed_in is None:
            failures = self._failures.setdefault(user, _Failures())
            failures.count += 1
            if failures.count >= MAX_FAILURES:
                failures.locked_until = time.monotonic() + LOCKOUT_SECONDS
                failures.count = 0
            return None
        self._failures.pop(user, None)
        session = ConsoleSession(
            secrets.token_urlsafe(32),
            signed_in.name,
            signed_in.role,
            secrets.token_urlsafe(32),
            datetime.now(UTC) + timedelta(seconds=SESSION_SECONDS),
        )
        await self.sessions.save_console_session(
            StoredSession(
                _token_hash(session.token),
                session.user,
                session.role.value,
                session.csrf_token,
                session.expires_at,
            )
        )
        return session

    async def session_for(self, token: str | None) -> ConsoleSession | None:
        if not token or len(token) > MAX_TOKEN_CHARS:
            return None
        stored = await self.sessions.console_session(_token_hash(token))
        if stored is None:
            return None
        return ConsoleSession(
            token, stored.user, Role(stored.role), stored.csrf_token, stored.expires_at
        )

    async def sign_out(self, token: str | None) -> None:
        if token:
            await self.sessions.delete_console_session(_token_hash(token))
