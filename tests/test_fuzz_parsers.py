"""Every adapter's payload parser and the decider, fed hostile input by hypothesis.

Payloads start from the documented shapes in ``tests/payloads`` and are mutated: values
replaced by wrong types, odd Unicode (lone surrogates, NUL, combining marks, RTL and
zero-width characters), huge strings and deep nesting; keys deleted or added. The
contract each parser must keep is the one its webhook relies on:

- a validation step may refuse the document (the webhook answers 400) with exactly the
  exception the webhook catches, nothing else;
- conversion never raises (Meta and X: an exception there is a 500 and a re-delivery
  loop; Telegram: the update would be silently dropped);
- every event it yields can be stored: serialisable, UTF-8 encodable, text clipped.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError
from telegram import Bot, Update

from bots.events import MAX_TEXT_CHARS, Event
from bots.json_input import loads_untrusted, storable_json_text
from bots.social.meta.convert import incoming_items
from bots.social.meta.payloads import WebhookPayload
from bots.social.x.convert import activity_items, dm_items, mention_items
from bots.social.x.payloads import ActivityPayload, DmEventsPage, MentionsPage
from bots.telegram.convert import BotIdentity, update_to_event
from bots.webchat.channel import IncomingChatMessage
from croupier.config import DEFAULT_FAQ_DIR
from croupier.decisions import DecisionParts, build_decider
from faq.normalise import normalise
from handlers.decide import Decider
from tests.conftest import examples

PAYLOADS = Path(__file__).resolve().parent / "payloads"
X_ACCOUNT = "1500000000000000001"
META_OWN_IDS = frozenset({"104000000000001", "17841400000000001"})
BOT = BotIdentity(user_id=7000000001, username="CroupierTestBot")
TELEGRAM_BOT = Bot("7000000001:AAF-fake-token-for-tests-0123456789abc")

ODD_CHARACTERS = (
    "\ud800",  # lone high surrogate (JSON allows the escape)
    "\udfff",  # lone low surrogate
    "\x00",
    "\u0301\u0301\u0301",  # combining marks with nothing to combine with
    "\u202e",  # right-to-left override
    "\u2066",
    "\u200b\u200d\ufeff",  # zero-width space, joiner, BOM
    "\u0645\u0631\u062d\u0628\u0627",  # Arabic
    "\U0001f3b0",
    "\U0001f468\u200d\U0001f469\u200d\U0001f467",
    "\ufffd",
    "\r\n\t",
    "İ",  # casefold changes length
    "ß",
    "ﬁ",  # NFKC changes length
    "@",
    "https://",
)
odd_text = st.lists(st.one_of(st.characters(), st.sampled_from(ODD_CHARACTERS)), max_size=40).map(
    "".join
)
hostile_text = st.one_of(
    odd_text,
    st.text(max_size=200),
    st.sampled_from(["", " ", "a" * 100_000, "\u0301" * 20_000, "🎰" * 30_000]),
)
json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False),
    hostile_text,
)
json_values = st.recursive(
    json_scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=3), st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=8,
)


def deep(levels: int) -> Any:
    value: Any = "bottom"
    for _ in range(levels):
        value = {"a": [value]}
    return value


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if len(prefix) > 20:  # inside a "deep" replacement: nothing new to find down there
        return found
    if isinstance(value, dict):
        for key, child in value.items():
            found += _paths(child, (*prefix, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            found += _paths(child, (*prefix, index))
    return found


def same_type_as(value: Any) -> st.SearchStrategy[Any]:
    """A hostile value of the JSON type ``value`` has (the platform's schema still holds)."""
    if isinstance(value, bool):
        return st.booleans()
    if isinstance(value, int):
        return st.integers(min_value=-(2**63), max_value=2**63 - 1)
    if isinstance(value, float):
        return st.floats(allow_nan=False, allow_infinity=False)
    if isinstance(value, str):
        return hostile_text
    return st.just(value)


@st.composite
def mutated(draw: st.DrawFn, document: dict[str, Any], *, keep_types: bool = False) -> Any:
    """``document`` with a few of its values replaced, deleted, or padded with new keys.

    ``keep_types``: only replacements of the original's JSON type, no deletions (for
    parsers that, like python-telegram-bot's ``de_json``, trust the platform's schema and
    check none; schema violations meet the webhook's safety net, over HTTP elsewhere)."""
    result = copy.deepcopy(document)
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        paths = [p for p in _paths(result) if p]
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent = result
        for step in path[:-1]:
            parent = parent[step]
        action = draw(st.sampled_from(["replace", "replace", "odd-text", "delete", "add", "deep"]))
        if keep_types:
            action = "same-type"
        if action == "same-type":
            parent[path[-1]] = draw(same_type_as(parent[path[-1]]))
        elif action == "delete":
            del parent[path[-1]]
        elif action == "add" and isinstance(parent, dict):
            parent[draw(st.text(max_size=12))] = draw(json_values)
        elif action == "odd-text":
            parent[path[-1]] = draw(hostile_text)
        elif action == "deep":
            # 800 levels of {"a": [...]}: 1600 JSON levels, past json's recursion limit
            parent[path[-1]] = deep(draw(st.sampled_from([50, 300, 800])))
        else:
            parent[path[-1]] = draw(json_values)
    return result


def payload(folder: str, name: str) -> dict[str, Any]:
    return json.loads((PAYLOADS / folder / f"{name}.json").read_text(encoding="utf-8"))


def assert_storable(event: Event, raw_json: str | None = None) -> None:
    """What the store does with an accepted event must work for every event a parser yields."""
    event.model_dump_json().encode("utf-8")
    assert len(event.text) <= MAX_TEXT_CHARS
    if raw_json is not None:
        storable_json_text(raw_json).encode("utf-8")


def round_trip(document: Any) -> Any | None:
    """The document as the webhook sees it: serialised by the platform, parsed by us."""
    try:
        body = json.dumps(document)
    except (RecursionError, ValueError):
        return None
    try:
        return loads_untrusted(body)
    except ValueError:
        return None  # the webhook answers 400: fine


TELEGRAM_SAMPLES = sorted(p.stem for p in (PAYLOADS / "telegram").glob("*.json"))
META_SAMPLES = sorted(p.stem for p in (PAYLOADS / "meta").glob("*.json"))


@pytest.mark.parametrize("sample", TELEGRAM_SAMPLES)
@settings(max_examples=examples(15))
@given(data=st.data())
def test_telegram_updates_parse_or_are_refused_and_never_crash_conversion(
    sample: str, data: st.DataObject
) -> None:
    """Updates in Telegram's own schema with hostile values; wrong types and missing
    required fields reach ``_ingest``'s safety net (tests/test_fuzz_webhooks.py)."""
    document = round_trip(data.draw(mutated(payload("telegram", sample), keep_types=True)))
    if not isinstance(document, dict) or not isinstance(document.get("update_id"), int):
        return  # the webhook's own shape check answers 400
    try:
        update = Update.de_json(document, TELEGRAM_BOT)
    except Exception:
        return  # the webhook answers 400 (regression: OSError for a huge date was a 500)
    event = update_to_event(update, BOT)
    if event is not None:
        assert_storable(event)


@pytest.mark.parametrize("sample", META_SAMPLES)
@settings(max_examples=examples(15))
@given(data=st.data())
def test_meta_webhooks_parse_or_are_refused_and_never_crash_conversion(
    sample: str, data: st.DataObject
) -> None:
    document = round_trip(data.draw(mutated(payload("meta", sample))))
    if document is None:
        return
    try:
        parsed = WebhookPayload.model_validate(document)
    except ValidationError:
        return  # 400
    for item in incoming_items(parsed, META_OWN_IDS):
        assert_storable(item.event, item.raw_json)


X_ACTIVITY_SAMPLES = (
    "activity_direct_messages",
    "activity_mention",
    "activity_own_tweet_and_retweet",
)


@pytest.mark.parametrize("sample", X_ACTIVITY_SAMPLES)
@settings(max_examples=examples(15))
@given(data=st.data())
def test_x_activity_webhooks_parse_or_are_refused_and_never_crash_conversion(
    sample: str, data: st.DataObject
) -> None:
    document = round_trip(data.draw(mutated(payload("x", sample))))
    if document is None:
        return
    try:
        parsed = ActivityPayload.model_validate(document)
    except ValidationError:
        return  # 400
    for item in activity_items(parsed, X_ACCOUNT, {}):
        assert_storable(item.event, item.raw_json)


@settings(max_examples=examples(25))
@given(data=st.data())
def test_x_polled_pages_parse_or_are_refused_and_never_crash_conversion(
    data: st.DataObject,
) -> None:
    """Polling reads the same untrusted JSON from X's API (a proxy, a bug, a new field)."""
    mentions = round_trip(data.draw(mutated(payload("x", "mentions_page"))))
    dms = round_trip(data.draw(mutated(payload("x", "dm_events_page"))))
    try:
        page = MentionsPage.model_validate(mentions)
    except ValidationError:
        page = None
    if page is not None:
        for item in mention_items(page, X_ACCOUNT):
            assert_storable(item.event, item.raw_json)
    try:
        dm_page = DmEventsPage.model_validate(dms)
    except ValidationError:
        dm_page = None
    if dm_page is not None:
        for item in dm_items(dm_page, X_ACCOUNT, None):
            assert_storable(item.event, item.raw_json)


@settings(max_examples=examples(50))
@given(
    session_id=st.one_of(st.just("player-session-1"), hostile_text),
    message_id=st.one_of(st.just("m1"), hostile_text, st.integers()),
    text=st.one_of(hostile_text, st.integers(), st.none(), json_values),
)
def test_webchat_messages_validate_or_are_refused_with_a_validation_error(
    session_id: str, message_id: object, text: object
) -> None:
    body = json.dumps(
        {"session_id": session_id, "client_message_id": message_id, "text": text}
    ).encode()
    try:
        message = IncomingChatMessage.model_validate_json(body)
    except ValidationError:
        return  # 400 with the field named
    message.text.encode("utf-8")  # what is accepted can be stored


@pytest.fixture(scope="module")
def decider(decision_parts: DecisionParts) -> Decider:
    built, _problems = build_decider(DEFAULT_FAQ_DIR, decision_parts)
    return built


@settings(max_examples=examples(80))
@given(
    text=hostile_text, has_attachment=st.booleans(), hint=st.sampled_from([None, "en", "xx", ""])
)
def test_the_decider_decides_any_text_without_raising(
    decider: Decider, text: str, has_attachment: bool, hint: str | None
) -> None:
    """Normaliser, language id, triage, small talk and matcher: every text gets a decision.

    Text is cut to MAX_TEXT_CHARS first, as every adapter and the workbench do."""
    normalise(text)
    text = text[:MAX_TEXT_CHARS]
    decision = decider.decide(text, has_attachment=has_attachment, language_hint=hint)
    assert decision.kind is not None
    json.dumps(decision.record(), ensure_ascii=False).encode("utf-8")
