"""Meta's moderation rules: hiding comments that expose personal data, the one private reply
per comment across restarts, and a moderator's HUMAN_AGENT reply after the 24-hour window.

The adapter talks real HTTP to the fake Graph API; the ledger lives in a real SQLite store;
the hide decision is the real Responder over the shipped FAQ and bot phrases.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bots.channel import DeliveryError, DeliveryResult
from bots.events import Attachment, Event, Reply, ReplyAuthor
from bots.social.meta import MetaChannel
from bots.social.meta.channel import OUTSIDE_HUMAN_AGENT_WINDOW
from bots.social.meta.graph import OUTSIDE_WINDOW
from croupier.config import DEFAULT_BOT_TEXTS
from croupier.decisions import DecisionParts
from croupier.store.sqlite import SqliteStore
from faq.loader import load_faq_dir
from faq.texts import load_bot_texts
from handlers.outcome import ConversationMode, ConversationState, EventStatus
from handlers.personal_data import PersonalData, find_personal_data, mask_personal_data
from handlers.respond import Responder
from tests.fakes.graph_api import (
    FakeGraphApi,
    graph_error,
    message_sent,
    outside_messaging_window,
    server_error,
)
from tests.test_meta_channel import (
    FB_COMMENT,
    FB_THREAD,
    MESSAGES,
    AcceptedEvents,
    dm_reply,
    meta_payload,
    meta_settings,
    post_signed,
    public_reply,
)


@pytest.fixture
async def channel(graph: FakeGraphApi) -> AsyncIterator[MetaChannel]:
    meta = MetaChannel(meta_settings(graph.url), AcceptedEvents())
    yield meta
    await meta.close()


# --- the shared personal-data patterns -----------------------------------------------------


def test_detector_names_each_kind_and_agrees_with_the_log_masking() -> None:
    text = (
        "card 4111 1111 1111 1111, iban DE89 3704 0044 0532 0130 00, "
        "mail jan.kowalski@example.pl, phone +48 601 234 567"
    )
    assert find_personal_data(text) == set(PersonalData)
    masked = mask_personal_data(text)
    assert find_personal_data(masked) == frozenset()
    assert "[card ****1111]" in masked and "[phone]" in masked


def test_amounts_dates_and_ticket_numbers_are_not_personal_data() -> None:
    text = "I deposited 2000 EUR on 2026-11-23 at 10:15, ticket 48213, bonus code WELCOME100"
    assert find_personal_data(text) == frozenset()


# --- the decision (channel-agnostic) -------------------------------------------------------


@pytest.fixture
def responder(faq_dir: Path, decision_parts: DecisionParts) -> Responder:
    faq = load_faq_dir(faq_dir).faq
    texts, _ = load_bot_texts(DEFAULT_BOT_TEXTS)
    assert faq is not None and texts is not None
    return Responder(decision_parts.decider(faq), texts, decision_parts.feedback_words)


def _comment(text: str, **extra: object) -> Event:
    return Event(
        channel="meta",
        platform_message_id=FB_COMMENT,
        conversation_key=FB_THREAD,
        sender_id="6900000000000001",
        text=text,
        is_public=True,
        **extra,  # type: ignore[arg-type]
    )


START = ConversationState(id=1, channel="meta", conversation_key=FB_THREAD, is_public=True)
CARD_COMMENT = "How long does a withdrawal take? My card is 4111 1111 1111 1111"


def test_public_comment_with_a_card_number_is_withdrawn_explained_privately_and_escalated(
    responder: Responder,
) -> None:
    outcome = responder.respond(_comment(CARD_COMMENT, withdrawable=True), START)
    assert outcome.status is EventStatus.ESCALATED
    assert outcome.open_ticket_reason == "personal_data"
    assert outcome.decision["personal_data"] == ["card"]
    [reply] = outcome.replies
    assert reply.withdraw_source and reply.is_public and reply.in_reply_to == FB_COMMENT
    assert reply.text == responder.texts.get("public_private_invite", "en")
    assert reply.private_followup == responder.texts.get("personal_data_hidden", "en")
    assert "4111" not in reply.text + (reply.private_followup or "")


def test_the_explanation_is_in_the_players_language(responder: Responder) -> None:
    text = "Dlaczego moja wypłata jeszcze nie dotarła? Mój e-mail to jan.kowalski@example.pl"
    outcome = responder.respond(_comment(text, withdrawable=True), START)
    [reply] = outcome.replies
    assert outcome.lang == "pl"
    assert reply.private_followup == responder.texts.get("personal_data_hidden", "pl")


def test_a_photo_on_a_hideable_comment_counts_as_a_possible_document(
    responder: Responder,
) -> None:
    photo = (Attachment(kind="photo", platform_file_id="https://scontent.example/1.jpg"),)
    outcome = responder.respond(
        _comment("is this ok?", withdrawable=True, attachments=photo), START
    )
    assert outcome.decision["personal_data"] == ["document"]
    assert outcome.replies[0].withdraw_source


def test_a_channel_that_cannot_hide_gets_no_withdraw_request_but_the_please_delete_note(
    responder: Responder,
) -> None:
    outcome = responder.respond(_comment(CARD_COMMENT), START)
    [reply] = outcome.replies
    assert not reply.withdraw_source
    assert reply.private_followup == responder.texts.get("personal_data_public", "en")
    assert outcome.open_ticket_reason == "personal_data"


def test_comment_is_withdrawn_even_while_a_moderator_handles_the_thread(
    responder: Responder,
) -> None:
    handled = ConversationState(
        id=1,
        channel="meta",
        conversation_key=FB_THREAD,
        mode=ConversationMode.HANDOFF,
        lang="en",
        open_ticket_id=3,
        followup_sent=True,
        is_public=True,
    )
    outcome = responder.respond(_comment("call me on +48 601 234 567", withdrawable=True), handled)
    assert outcome.mode is ConversationMode.HANDOFF and outcome.followup_sent
    assert outcome.replies[0].withdraw_source


def test_personal_data_in_a_private_message_is_not_a_reason_to_withdraw(
    responder: Responder,
) -> None:
    private = Event(
        channel="meta",
        platform_message_id="m_1",
        conversation_key="dm:page:7100000000000001",
        sender_id="7100000000000001",
        text="my e-mail is jan.kowalski@example.pl, how do I verify my account?",
    )
    outcome = responder.respond(private, START)
    assert all(not reply.withdraw_source for reply in outcome.replies)
    assert outcome.open_ticket_reason != "personal_data"


# --- the adapter hides, then answers -------------------------------------------------------


def _withdrawing_reply(thread: str = FB_THREAD, comment: str = FB_COMMENT) -> Reply:
    return Reply(
        channel="meta",
        conversation_key=thread,
        text="We'll help you in a private message.",
        is_public=True,
        in_reply_to=comment,
        private_followup="We've hidden your comment because it contained personal data.",
        withdraw_source=True,
    )


async def test_withdraw_request_hides_the_comment_before_replying(
    channel: MetaChannel, graph: FakeGraphApi
) -> None:
    result = await channel.deliver(_withdrawing_reply(), delivery_id=1)
    assert result.delivered
    assert [r.path for r in graph.requests] == [
        f"/v21.0/{FB_COMMENT}",
        f"/v21.0/{FB_COMMENT}/comments",
        MESSAGES,
    ]
    hide = graph.requests[0]
    assert hide.method == "POST" and hide.query["is_hidden"] == "true"
    assert graph.requests[2].json["recipient"] == {"comment_id": FB_COMMENT}


async def test_instagram_comment_is_hidden_with_the_hide_parameter(
    channel: MetaChannel, graph: FakeGraphApi
) -> None:
    comment = "17900000000000009"
    reply = _withdrawing_reply(f"comment:instagram:{comment}:5300000000000002", comment)
    assert (await channel.deliver(reply, delivery_id=2)).delivered
    assert graph.sent_to(f"/v21.0/{comment}")[0].query["hide"] == "true"
    assert len(graph.sent_to(f"/v21.0/{comment}/replies")) == 1


async def test_refused_hide_says_nothing_and_becomes_a_dead_letter(
    channel: MetaChannel, graph: FakeGraphApi
) -> None:
    graph.script(f"/v21.0/{FB_COMMENT}", graph_error(200, "(#200) Permissions error"))
    result = await channel.deliver(_withdrawing_reply(), delivery_id=3)
    assert not result.delivered
    assert result.permanent_error and "could not hide comment" in result.permanent_error
    assert [r.path for r in graph.requests] == [f"/v21.0/{FB_COMMENT}"]


# --- the one private reply per comment survives a restart ----------------------------------


async def test_private_reply_ledger_survives_a_restart_with_the_same_store(
    graph: FakeGraphApi, tmp_path: Path
) -> None:
    database = tmp_path / "croupier.sqlite3"
    store = SqliteStore(database)
    await store.open()
    first = MetaChannel(meta_settings(graph.url), AcceptedEvents(), cursors=store)
    assert (await first.deliver(public_reply(), delivery_id=1)).delivered
    await first.close()
    await store.close()
    assert len(graph.sent_to(MESSAGES)) == 1

    reopened = SqliteStore(database)
    await reopened.open()
    second = MetaChannel(meta_settings(graph.url), AcceptedEvents(), cursors=reopened)
    try:
        moderator = Reply(
            channel="meta",
            conversation_key=FB_THREAD,
            text="Hi, this is Anna from support.",
            author=ReplyAuthor.MODERATOR,
            in_reply_to=FB_COMMENT,
        )
        result = await second.deliver(moderator, delivery_id=2)
        again = await second.deliver(public_reply(), delivery_id=3)
    finally:
        await second.close()
        await reopened.close()
    assert not result.delivered and result.permanent_error
    assert again.delivered  # the public part still goes out
    assert len(graph.sent_to(MESSAGES)) == 1, "no second private reply was attempted"


# --- HUMAN_AGENT: a person may answer for 7 days -------------------------------------------


async def test_moderator_reply_outside_the_24_hours_goes_again_with_the_human_agent_tag(
    channel: MetaChannel, graph: FakeGraphApi
) -> None:
    graph.script(MESSAGES, outside_messaging_window(), message_sent("m_tagged"))
    reply = dm_reply("Hi, Anna here: your withdrawal is approved.", author=ReplyAuthor.MODERATOR)
    result = await channel.deliver(reply, delivery_id=1)
    assert result.delivered and result.platform_message_id == "m_tagged"
    first, second = graph.sent_to(MESSAGES)
    assert first.json["messaging_type"] == "RESPONSE" and "tag" not in first.json
    assert second.json["messaging_type"] == "MESSAGE_TAG"
    assert second.json["tag"] == "HUMAN_AGENT"
    assert second.json["recipient"] == {"id": "7100000000000001"}
    assert second.json["message"] == first.json["message"]


async def test_instagram_moderator_reply_uses_the_same_tag(
    channel: MetaChannel, graph: FakeGraphApi
) -> None:
    graph.script(MESSAGES, outside_messaging_window())
    reply = Reply(
        channel="meta",
        conversation_key="dm:instagram:5300000000000002",
        text="Hi, Anna here.",
        author=ReplyAuthor.MODERATOR,
    )
    assert (await channel.deliver(reply, delivery_id=2)).delivered
    assert graph.sent_to(MESSAGES)[-1].json["tag"] == "HUMAN_AGENT"


async def test_bot_reply_outside_the_24_hours_is_not_tagged_and_stays_refused(
    channel: MetaChannel, graph: FakeGraphApi
) -> None:
    graph.script(MESSAGES, outside_messaging_window())
    result = await channel.deliver(dm_reply(), delivery_id=3)
    assert result.permanent_error == OUTSIDE_WINDOW
    [only] = graph.sent_to(MESSAGES)
    assert only.json["messaging_type"] == "RESPONSE"


async def test_moderator_reply_after_seven_days_is_refused_with_that_reason(
    channel: MetaChannel, graph: FakeGraphApi
) -> None:
    graph.script(MESSAGES, outside_messaging_window(), outside_messaging_window())
    reply = dm_reply("Sorry for the wait.", author=ReplyAuthor.MODERATOR)
    result = await channel.deliver(reply, delivery_id=4)
    assert result.permanent_error == OUTSIDE_HUMAN_AGENT_WINDOW
    assert len(graph.sent_to(MESSAGES)) == 2


async def test_long_moderator_reply_tags_every_part_once_the_window_is_known_closed(
    channel: MetaChannel, graph: FakeGraphApi
) -> None:
    text = "\n\n".join(f"Paragraph {n}. " + "details " * 120 for n in range(3))
    graph.script(MESSAGES, outside_messaging_window())
    reply = dm_reply(text, author=ReplyAuthor.MODERATOR)
    assert (await channel.deliver(reply, delivery_id=5)).delivered
    sent = graph.sent_to(MESSAGES)
    assert "tag" not in sent[0].json
    assert len(sent) >= 3 and all(r.json.get("tag") == "HUMAN_AGENT" for r in sent[1:])
    assert sent[1].json["message"] == sent[0].json["message"]


# --- a restart in the middle of a reply neither repeats nor loses a part --------------------


LONG_TEXT = "\n\n".join(f"Paragraph {n}. " + "details " * 120 for n in range(4))


async def _restarted(
    graph: FakeGraphApi, database: Path, attempt: Callable[[MetaChannel], Awaitable[object]]
) -> object:
    """Run ``attempt`` on a fresh channel over a freshly opened store: a restarted service."""
    store = SqliteStore(database)
    await store.open()
    channel = MetaChannel(meta_settings(graph.url), AcceptedEvents(), cursors=store)
    try:
        return await attempt(channel)
    finally:
        await channel.close()
        await store.close()


async def test_restart_mid_split_sends_only_the_parts_meta_did_not_take(
    graph: FakeGraphApi, tmp_path: Path
) -> None:
    database = tmp_path / "croupier.sqlite3"
    graph.script(MESSAGES, message_sent("m_part1"), server_error())

    async def first(channel: MetaChannel) -> object:
        with pytest.raises(DeliveryError):
            await channel.deliver(dm_reply(LONG_TEXT), delivery_id=40)
        return None

    await _restarted(graph, database, first)
    first_try = [r.json["message"]["text"] for r in graph.sent_to(MESSAGES)]
    graph.requests.clear()
    result = await _restarted(
        graph, database, lambda channel: channel.deliver(dm_reply(LONG_TEXT), delivery_id=40)
    )
    assert isinstance(result, DeliveryResult) and result.delivered
    after_restart = [r.json["message"]["text"] for r in graph.sent_to(MESSAGES)]
    assert after_restart[0] == first_try[1], "resumes with the part that failed"
    assert first_try[0] not in after_restart, "the part Meta took is not repeated"
    assert "\n\n".join([first_try[0], *after_restart]).count("Paragraph") == 4


async def test_restart_after_the_public_reply_sends_only_the_private_one(
    graph: FakeGraphApi, tmp_path: Path
) -> None:
    database = tmp_path / "croupier.sqlite3"
    graph.script(MESSAGES, server_error())

    async def first(channel: MetaChannel) -> object:
        with pytest.raises(DeliveryError):
            await channel.deliver(public_reply(), delivery_id=41)
        return None

    await _restarted(graph, database, first)
    result = await _restarted(
        graph, database, lambda channel: channel.deliver(public_reply(), delivery_id=41)
    )
    assert isinstance(result, DeliveryResult) and result.delivered
    assert len(graph.sent_to(f"/v21.0/{FB_COMMENT}/comments")) == 1
    assert len(graph.sent_to(MESSAGES)) == 2  # the failed one, then the one that went out


async def test_reply_sent_just_before_a_crash_is_delivered_not_sent_again_after_restart(
    graph: FakeGraphApi, tmp_path: Path
) -> None:
    """The outbox had not yet marked the row sent: it tries again after the restart."""
    database = tmp_path / "croupier.sqlite3"
    private_only = Reply(
        channel="meta", conversation_key=FB_THREAD, text="Psst.", in_reply_to=FB_COMMENT
    )
    for _ in range(2):
        result = await _restarted(
            graph, database, lambda channel: channel.deliver(private_only, delivery_id=42)
        )
        assert isinstance(result, DeliveryResult) and result.delivered
    assert len(graph.sent_to(MESSAGES)) == 1


async def test_moderator_reply_in_a_comment_thread_is_the_private_reply_to_the_last_comment(
    graph: FakeGraphApi, tmp_path: Path
) -> None:
    """The console's reply names only the conversation; the adapter knows the comment,
    also after a restart."""
    database = tmp_path / "croupier.sqlite3"

    async def receive(channel: MetaChannel) -> object:
        app = web.Application()
        channel.add_routes(app)
        async with TestClient(TestServer(app)) as client:
            return await post_signed(client, meta_payload("page_feed_comment"))

    assert await _restarted(graph, database, receive) == 200
    moderator = Reply(
        channel="meta",
        conversation_key=FB_THREAD,
        text="Hi, this is Anna from support.",
        author=ReplyAuthor.MODERATOR,
    )
    result = await _restarted(
        graph, database, lambda channel: channel.deliver(moderator, delivery_id=43)
    )
    assert isinstance(result, DeliveryResult) and result.delivered
    [private] = graph.sent_to(MESSAGES)
    assert private.json == {
        "recipient": {"comment_id": FB_COMMENT},
        "message": {"text": "Hi, this is Anna from support."},
    }
