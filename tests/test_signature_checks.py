"""Every secret comparison is constant-time, and a replayed signed delivery does nothing.

Timing: a spy on ``hmac.compare_digest`` (and ``secrets.compare_digest``) records which
modules compared secrets while the service refused a wrong Telegram secret, a wrong Meta
signature and verify token, a wrong X signature, and a console POST with a wrong CSRF
token; every one of those checks must have gone through it. A source scan makes sure no
secret, token, signature or password is compared with ``==``/``!=``.

Replay: none of the platforms signs a timestamp we could bound (Telegram sends a static
secret header, Meta and X sign the body only), so a captured delivery stays valid. What
bounds a replay is de-duplication on the platform's message id: the replayed delivery is
acknowledged and nothing is stored, decided or sent again.
"""

from __future__ import annotations

import ast
import asyncio
import hmac
import secrets
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.all_channels import CONSOLE_PASSWORD, X_ACCOUNT_ID, Service
from tests.test_webhook_chaos import MESSAGES_PATH, Message, deliver, unfinished

SOURCE_ROOTS = ("bots", "croupier")
SECRET_WORDS = ("secret", "signature", "token", "password", "csrf", "digest")


async def test_every_webhook_and_console_secret_check_is_constant_time(
    service: Service, monkeypatch: pytest.MonkeyPatch
) -> None:
    callers: list[str] = []
    real: Callable[..., bool] = hmac.compare_digest

    def spy(a: object, b: object) -> bool:
        callers.append(sys._getframe(1).f_globals["__name__"])
        return real(a, b)  # type: ignore[arg-type]

    monkeypatch.setattr(hmac, "compare_digest", spy)
    monkeypatch.setattr(secrets, "compare_digest", spy)
    client = service.client
    assert (await service.post_telegram({"update_id": 1}, secret="wrong")).status == 401
    assert (await service.post_meta({"object": "page"}, secret="wrong")).status == 403
    verify = "/meta/webhook?hub.mode=subscribe&hub.verify_token=nope&hub.challenge=1"
    assert (await client.get(verify)).status == 403
    body = {"for_user_id": X_ACCOUNT_ID}
    assert (await service.post_x(body, secret="wrong")).status == 403
    login = await (await client.get("/console/login")).text()
    token = login.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    await client.post(
        "/console/login",
        data={"csrf_token": token, "username": "moderator", "password": CONSOLE_PASSWORD},
    )
    refused = await client.post("/console/api/workbench", json={}, headers={"X-CSRF-Token": "x"})
    assert refused.status == 403
    for module in (
        "bots.telegram.channel",
        "bots.social.meta.channel",
        "bots.social.x.channel",
        "croupier.console.routes",
        "croupier.console.access",
        "croupier.console.users",
    ):
        assert module in callers, (module, sorted(set(callers)))


def _secret_like(node: ast.AST) -> bool:
    text = ast.unparse(node).lower()
    return any(word in text for word in SECRET_WORDS)


def test_no_secret_is_compared_with_equality_operators() -> None:
    root = Path(__file__).resolve().parent.parent
    offenders = []
    for folder in SOURCE_ROOTS:
        for path in (root / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if not isinstance(node, ast.Compare):
                    continue
                if not any(isinstance(op, ast.Eq | ast.NotEq) for op in node.ops):
                    continue
                sides = [node.left, *node.comparators]
                literal_only = [s for s in sides if not isinstance(s, ast.Constant)]
                if any(_secret_like(side) for side in literal_only) and len(literal_only) > 1:
                    offenders.append(f"{path.relative_to(root)}:{node.lineno}")
    assert not offenders, offenders


async def test_a_replayed_signed_delivery_is_acknowledged_and_does_nothing(
    service: Service,
) -> None:
    """Each platform's exact delivery sent again (an attacker's capture, or a retry)."""
    messages = [
        Message("telegram", "424242555", 1, "free-spins"),
        Message("meta", "7100000000000555", 1, "free-spins"),
        Message("webchat", "replay-session-1", 1, "free-spins"),
    ]
    for message in messages:
        assert await deliver(service, message) in (200, 202)
    for _ in range(400):  # settles in well under a second; the bound only stops a hang
        if unfinished(service.database) == 0:
            break
        await asyncio.sleep(0.05)
    events_before = service.events()
    for message in messages * 3:
        assert await deliver(service, message) == 200  # acknowledged: no platform retry loop
    assert service.events() == events_before
    assert len(service.telegram.calls_to("sendMessage")) == 1
    assert len(service.graph.sent_to(MESSAGES_PATH)) == 1
    assert [status for *_, status in events_before] == ["answered"] * 3
