"""Moderator sign-in: argon2-hashed password, server-side sessions, CSRF tokens, lock-out.

Sessions live in memory: a restart signs moderators out, which is acceptable for the
single-process deployment (the console's users are few and on shift).
"""

from __future__ import annotations

import hmac
import secrets
import time
from dataclasses import dataclass, field

from argon2 import PasswordHasher
from argon2.exceptions import VerificationError

SESSION_SECONDS = 12 * 3600
MAX_FAILURES = 5
LOCKOUT_SECONDS = 15 * 60


@dataclass
class ConsoleSession:
    token: str
    """The cookie value."""
    user: str
    csrf_token: str
    expires_at: float


@dataclass
class _Failures:
    count: int = 0
    locked_until: float = 0.0


@dataclass
class ConsoleAuth:
    user: str
    password_hash: str
    sessions: dict[str, ConsoleSession] = field(default_factory=dict)
    _failures: dict[str, _Failures] = field(default_factory=dict)
    _hasher: PasswordHasher = field(default_factory=PasswordHasher)

    @classmethod
    def with_password(cls, user: str, password: str) -> ConsoleAuth:
        return cls(user=user, password_hash=PasswordHasher().hash(password))

    def is_locked(self, user: str) -> bool:
        return self._failures.get(user, _Failures()).locked_until > time.monotonic()

    def sign_in(self, user: str, password: str) -> ConsoleSession | None:
        """A new session, or None (wrong credentials or locked out)."""
        if self.is_locked(user):
            return None
        ok = hmac.compare_digest(user.encode(), self.user.encode())
        try:
            self._hasher.verify(self.password_hash, password)
        except VerificationError:
            ok = False
        if not ok:
            failures = self._failures.setdefault(user, _Failures())
            failures.count += 1
            if failures.count >= MAX_FAILURES:
                failures.locked_until = time.monotonic() + LOCKOUT_SECONDS
                failures.count = 0
            return None
        self._failures.pop(user, None)
        token = secrets.token_urlsafe(32)
        session = ConsoleSession(
            token, user, secrets.token_urlsafe(32), time.monotonic() + SESSION_SECONDS
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
