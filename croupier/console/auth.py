"""Console sign-in: sessions, CSRF tokens and lock-out over a :class:`UserDirectory`.

Sessions live in memory: a restart signs everyone out, which is acceptable for the
single-process deployment (the console's users are few and on shift).
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, field

from croupier.console.users import ConsoleUser, Role, UserDirectory

SESSION_SECONDS = 12 * 3600
MAX_FAILURES = 5
LOCKOUT_SECONDS = 15 * 60


@dataclass
class ConsoleSession:
    token: str
    """The cookie value."""
    user: str
    role: Role
    csrf_token: str
    expires_at: float

    @property
    def console_user(self) -> ConsoleUser:
        return ConsoleUser(self.user, self.role)


@dataclass
class _Failures:
    count: int = 0
    locked_until: float = 0.0


@dataclass
class ConsoleAuth:
    users: UserDirectory
    sessions: dict[str, ConsoleSession] = field(default_factory=dict)
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
        token = secrets.token_urlsafe(32)
        session = ConsoleSession(
            token,
            signed_in.name,
            signed_in.role,
            secrets.token_urlsafe(32),
            time.monotonic() + SESSION_SECONDS,
        )
        self.sessions[token] = session
        return session

    def session_for(self, token: str | None) -> ConsoleSession | None:
        if not token:
            return None
        session = self.sessions.get(token)
        if session is None or session.expires_at < time.monotonic():
            self.sessions.pop(token, None)
            return None
        return session

    def sign_out(self, token: str | None) -> None:
        if token:
            self.sessions.pop(token, None)
