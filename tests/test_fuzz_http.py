"""Hostile bodies on every POST endpoint: a clear 4xx, never a 500, never a half-stored event.

Every endpoint is hit with a 10 MB body (declared and chunked), deeply nested JSON (signed
where the platform signs, so it reaches the parser) and junk; afterwards the service still
answers a normal message and every stored event has ended (answered/escalated/dead).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import pytest

from tests.all_channels import (
    CONSOLE_PASSWORD,
    ENDS,
    TELEGRAM_WEBHOOK_SECRET,
    Service,
)
from tests.conftest import PlayerChat

TEN_MB = 10 * 1024 * 1024
DEEP = 100_000
NESTED_ARRAY = b"[" * DEEP + b"]" * DEEP
NESTED_OBJECT = b'{"a":' * DEEP + b"1" + b"}" * DEEP


async def signed_in_csrf(service: Service) -> str:
    """Sign in as the console does; returns the page's CSRF token."""
    client = service.client
    page = await (await client.get("/console/login")).text()
    token = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    response = await client.post(
        "/console/login",
        data={"csrf_token": token, "username": "moderator", "password": CONSOLE_PASSWORD},
    )
    console = await response.text()
    return console.split('name="csrf-token" content="', 1)[1].split('"', 1)[0]


CONSOLE_POSTS = (
    "/console/api/workbench",
    "/console/api/tickets/1/reply",
    "/console/api/tickets/1/note",
    "/console/api/tickets/1/claim",
    "/console/api/tickets/1/close",
    "/console/api/dead-letters/1/retry",
)


BODILESS = frozenset({"/console/api/dead-letters/1/retry", "/console/api/tickets/1/claim"})
"""Actions that never read a body: they answer 404/409 for the missing row, unread."""


async def post_everywhere(service: Service, body: bytes, csrf: str) -> dict[str, int]:
    """``body`` to every POST endpoint, signed or with its secret where one is needed."""
    statuses = {
        "webchat": (
            await service.client.post(
                "/api/webchat/messages",
                data=body,
                headers={"Content-Type": "application/json"},
            )
        ).status,
        "telegram": (await service.post_telegram(body)).status,
        "meta": (await service.post_meta(body)).status,
        "x": (await service.post_x(body)).status,
        "login": (
            await service.client.post(
                "/console/login",
                data=body,
                headers={"Content-Type": "application/x-www-form-urlencoded"},
            )
        ).status,
    }
    for path in CONSOLE_POSTS:
        response = await service.client.post(
            path,
            data=body,
            headers={"Content-Type": "application/json", "X-CSRF-Token": csrf},
        )
        statuses[path] = response.status
    return statuses


async def assert_still_healthy(service: Service) -> None:
    """A normal message still gets its answer, and nothing stored was left half-done."""
    chat = PlayerChat(service.client, "after-hostile-1")
    await chat.connect()
    await chat.say("how long does a withdrawal take?")
    assert (await chat.next_reply())["text"]
    await chat.close()
    for _ in range(100):
        if all(status in ENDS for *_, status in service.events()):
            break
        await asyncio.sleep(0.05)
    assert all(status in ENDS for *_, status in service.events()), service.events()


def assert_clear_4xx(statuses: dict[str, int], allowed: set[int]) -> None:
    wrong = {endpoint: status for endpoint, status in statuses.items() if status not in allowed}
    assert not wrong, wrong


async def test_ten_megabyte_bodies_get_413_on_every_endpoint(service: Service) -> None:
    csrf = await signed_in_csrf(service)
    statuses = await post_everywhere(service, b'{"text": "' + b"a" * TEN_MB + b'"}', csrf)
    assert_clear_4xx(statuses, set(range(400, 500)))
    body_readers = {k: v for k, v in statuses.items() if k not in BODILESS}
    assert_clear_4xx(body_readers, {413})
    assert service.events() == []
    await assert_still_healthy(service)


async def test_ten_megabyte_chunked_bodies_without_length_get_413(service: Service) -> None:
    """No Content-Length to refuse up front: the limit must hold while reading."""

    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(TEN_MB // 65536):
            yield b"a" * 65536

    for path in ("/api/webchat/messages", "/telegram/webhook", "/meta/webhook", "/x/webhook"):
        # Signatures are checked after the (bounded) read, Telegram's secret before it.
        headers = {
            "Content-Type": "application/json",
            "X-Telegram-Bot-Api-Secret-Token": TELEGRAM_WEBHOOK_SECRET,
        }
        response = await service.client.post(path, data=chunks(), headers=headers)
        assert response.status == 413, (path, response.status)
    assert service.events() == []


@pytest.mark.parametrize("body", [NESTED_ARRAY, NESTED_OBJECT], ids=["array", "object"])
async def test_deeply_nested_json_gets_a_400_not_a_500(service: Service, body: bytes) -> None:
    csrf = await signed_in_csrf(service)
    statuses = await post_everywhere(service, body, csrf)
    assert_clear_4xx(statuses, set(range(400, 500)))
    json_readers = {k: v for k, v in statuses.items() if k not in BODILESS and k != "login"}
    assert_clear_4xx(json_readers, {400, 413})  # 413: the web chat's 64 KB limit
    await assert_still_healthy(service)


JUNK_BODIES = {
    "empty": b"",
    "null": b"null",
    "list": b"[]",
    "string": b'"text"',
    "not-utf8": b"\xff\xfe\x00garbage",
    "wrong-types": b'{"update_id": "1", "entry": 5, "object": [], "session_id": null}',
    "lone-surrogate": b'{"text": "\\ud800 lone surrogate"}',
    "huge-number": b"1e999999",
    "nan": b'{"a": NaN, "b": Infinity}',
}


async def test_junk_bodies_get_a_clear_4xx_everywhere(service: Service) -> None:
    csrf = await signed_in_csrf(service)
    for name, body in JUNK_BODIES.items():
        statuses = await post_everywhere(service, body, csrf)
        # Some console actions answer 404 (no ticket 1) or 200 for an empty body.
        assert all(status < 500 for status in statuses.values()), (name, statuses)
    await assert_still_healthy(service)


async def test_unsigned_and_wrongly_signed_webhooks_are_refused_before_parsing(
    service: Service,
) -> None:
    assert (await service.post_telegram(NESTED_ARRAY, secret=None)).status == 401
    assert (await service.post_telegram(b"{}", secret="wrong")).status == 401
    assert (await service.post_meta(NESTED_ARRAY, secret="wrong")).status == 403
    assert (await service.post_x(NESTED_ARRAY, secret="wrong")).status == 403
    assert service.events() == []


def test_telegram_webhook_body_is_json_text() -> None:
    """Guard for the fixtures above: the nested bodies are what they claim to be."""
    assert json.loads(b"[" * 10 + b"]" * 10) == [[[[[[[[[[]]]]]]]]]]


ODD_TEXTS = {
    "lone-surrogate": "how long does a withdrawal take \\ud800?",
    "nul": "how long\\u0000 does a withdrawal take?",
    "combining": "withdrawal" + "\\u0301" * 500,
    "rtl-zero-width": "\\u202eekat lawardhtiw\\u200b\\u2066 \\u0645\\u0631\\u062d\\u0628\\u0627",
    "only-surrogates": "\\udfff\\ud800\\udc00",
}
"""JSON-escaped, as a platform would put them in a body (``\\ud800`` alone is legal JSON)."""


def with_text(template: str, text: str, message_id: str) -> bytes:
    """A platform body with ``text`` spliced in verbatim (escapes stay escapes)."""
    return template.replace("@TEXT@", text).replace("@ID@", message_id).encode()


TELEGRAM_TEMPLATE = (
    json.dumps(
        {
            "update_id": 0,
            "message": {
                "message_id": 0,
                "from": {"id": 424242999, "is_bot": False, "first_name": "Odd"},
                "chat": {"id": 424242999, "type": "private", "first_name": "Odd"},
                "date": 1767225600,
                "text": "@TEXT@",
            },
        }
    )
    .replace('"update_id": 0', '"update_id": @ID@')
    .replace('"message_id": 0', '"message_id": @ID@')
)
META_TEMPLATE = json.dumps(
    {
        "object": "page",
        "entry": [
            {
                "id": "104000000000001",
                "time": 1732350000123,
                "messaging": [
                    {
                        "sender": {"id": "7100000000000999"},
                        "recipient": {"id": "104000000000001"},
                        "timestamp": 1732350000001,
                        "message": {"mid": "m_odd_@ID@", "text": "@TEXT@"},
                    }
                ],
            }
        ],
    }
)
WEBCHAT_TEMPLATE = (
    '{"session_id": "odd-text-session", "client_message_id": "@ID@", "text": "@TEXT@"}'
)


async def test_odd_unicode_in_a_valid_message_is_answered_or_refused_never_a_500(
    service: Service,
) -> None:
    """Lone surrogates, NUL, piles of combining marks, RTL: accepted and ended, or a 400.

    Regression: a lone surrogate in a Telegram or Meta message made the store raise, the
    webhook answered 500 and the platform re-delivered the poison update indefinitely."""
    for number, (name, text) in enumerate(sorted(ODD_TEXTS.items()), start=901):
        message_id = str(number)
        statuses = {
            "webchat": (
                await service.client.post(
                    "/api/webchat/messages",
                    data=with_text(WEBCHAT_TEMPLATE, text, message_id),
                    headers={"Content-Type": "application/json"},
                )
            ).status,
            "telegram": (
                await service.post_telegram(with_text(TELEGRAM_TEMPLATE, text, message_id))
            ).status,
            "meta": (await service.post_meta(with_text(META_TEMPLATE, text, message_id))).status,
        }
        assert all(status in (200, 202, 400) for status in statuses.values()), (name, statuses)
        assert statuses["telegram"] == 200 and statuses["meta"] == 200, (name, statuses)
    await assert_still_healthy(service)
