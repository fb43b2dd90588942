"""Conversation policy (handlers/respond.py), driven through the pure Responder."""

from __future__ import annotations

from pathlib import Path

import pytest

from bots.events import Attachment, Event, EventKind
from croupier.config import DEFAULT_BOT_TEXTS
from croupier.decisions import DecisionParts
from faq.loader import load_faq_dir
from faq.texts import load_bot_texts
from handlers.outcome import ConversationMode, ConversationState, EventStatus, Outcome
from handlers.respond import Responder

TWO_CLOSE_ENTRIES = """\
- id: card-verification
  title: Verifying a payment card
  questions:
    en: ["how do I verify my payment card?", "card verification photo of the card",
         "verify my card front and back"]
  answer:
    en: "Upload a photo of the card's front with the middle digits covered."
- id: account-verification
  title: Verifying your account
  questions:
    en: ["how do I verify my account?", "account verification documents",
         "verify my identity with a passport"]
  answer:
    en: "Upload your ID and a proof of address under Account > Verification."
"""


@pytest.fixture
def responder(tmp_path: Path, decision_parts: DecisionParts) -> Responder:
    (tmp_path / "faq.yaml").write_text(TWO_CLOSE_ENTRIES, encoding="utf-8")
    faq = load_faq_dir(tmp_path, ("en",)).faq
    texts, _ = load_bot_texts(DEFAULT_BOT_TEXTS)
    assert faq is not None and texts is not None
    return Responder(decision_parts.decider(faq), texts, decision_parts.feedback_words)


def _event(text: str, number: int = 1, **extra: object) -> Event:
    return Event(
        channel="webchat",
        platform_message_id=f"m{number}",
        conversation_key="c1",
        sender_id="p1",
        text=text,
        **extra,  # type: ignore[arg-type]
    )


def _next_state(state: ConversationState, outcome: Outcome) -> ConversationState:
    return ConversationState(
        id=state.id,
        channel=state.channel,
        conversation_key=state.conversation_key,
        mode=outcome.mode,
        lang=outcome.lang,
        clarify_options=outcome.clarify_options,
        followup_sent=outcome.followup_sent,
        last_faq_id=outcome.last_faq_id,
        misses=outcome.misses,
    )


START = ConversationState(id=1, channel="webchat", conversation_key="c1")


def test_two_close_entries_get_a_clarify_question_and_a_number_picks_one(
    responder: Responder,
) -> None:
    asked = responder.respond(_event("how do I verify my card or account?"), START)
    assert asked.mode is ConversationMode.CLARIFY
    assert set(asked.clarify_options) == {"card-verification", "account-verification"}
    assert [o.number for o in asked.replies[-1].options] == [1, 2]
    second = asked.clarify_options[1]
    picked = responder.respond(_event("2", 2), _next_state(START, asked))
    assert picked.status is EventStatus.ANSWERED
    assert picked.decision["faq_id"] == second
    assert picked.replies[-1].text.startswith(responder.decider.index.faq.get(second).answer["en"])  # type: ignore[union-attr]


def test_clarify_resolved_by_a_rephrase_instead_of_a_number(responder: Responder) -> None:
    asked = responder.respond(_event("how do I verify my card or account?"), START)
    rephrased = responder.respond(
        _event("I mean the payment card photo, front and back", 2), _next_state(START, asked)
    )
    assert rephrased.decision["faq_id"] == "card-verification"


def test_button_pick_is_read_from_picked_option(responder: Responder) -> None:
    asked = responder.respond(_event("how do I verify my card or account?"), START)
    picked = responder.respond(
        _event("", 2, kind=EventKind.OPTION_PICKED, picked_option=1), _next_state(START, asked)
    )
    assert picked.decision["faq_id"] == asked.clarify_options[0]


def test_two_unresolved_clarifies_in_a_row_escalate(responder: Responder) -> None:
    asked = responder.respond(_event("how do I verify my card or account?"), START)
    again = responder.respond(
        _event("verify card or account, which one?", 2), _next_state(START, asked)
    )
    assert again.status is EventStatus.ESCALATED
    assert again.open_ticket_reason == "repeated_miss"


def test_photo_is_never_answered_from_the_faq(responder: Responder) -> None:
    outcome = responder.respond(
        _event("how do I verify my card?", attachments=(Attachment(kind="photo"),)), START
    )
    assert outcome.status is EventStatus.ESCALATED
    assert outcome.open_ticket_reason == "documents"
    assert outcome.replies[-1].text == responder.texts.get("attachment_received", "en")


@pytest.mark.parametrize("kind", ["sticker", "voice", "video", "audio", "animation"])
def test_sticker_voice_or_video_alone_asks_to_type_and_opens_no_ticket(
    responder: Responder, kind: str
) -> None:
    outcome = responder.respond(
        _event("", kind=EventKind.ATTACHMENT, attachments=(Attachment(kind=kind),)), START
    )
    assert outcome.status is EventStatus.ANSWERED
    assert outcome.open_ticket_reason is None
    assert outcome.decision == {"decision": "media_not_read", "kinds": [kind]}
    (reply,) = outcome.replies
    assert reply.text == responder.texts.get("media_not_read", "en")
    assert reply.in_reply_to == "m1"


def test_a_sticker_leaves_a_pending_clarify_waiting(responder: Responder) -> None:
    asked = responder.respond(_event("verify card or account, which one?"), START)
    assert asked.mode is ConversationMode.CLARIFY
    sticker = _event("", 2, kind=EventKind.ATTACHMENT, attachments=(Attachment(kind="sticker"),))
    after_sticker = responder.respond(sticker, _next_state(START, asked))
    assert after_sticker.mode is ConversationMode.CLARIFY
    assert after_sticker.clarify_options == asked.clarify_options
    picked = responder.respond(_event("2", 3), _next_state(START, after_sticker))
    assert picked.decision["faq_id"] == asked.clarify_options[1]


def test_a_voice_note_with_a_caption_is_read_as_its_caption(responder: Responder) -> None:
    outcome = responder.respond(
        _event(
            "how do I verify my payment card?",
            kind=EventKind.ATTACHMENT,
            attachments=(Attachment(kind="voice"),),
        ),
        START,
    )
    assert outcome.status is EventStatus.ANSWERED
    assert outcome.decision["faq_id"] == "card-verification"


def test_a_document_beside_a_sticker_still_goes_to_a_person(responder: Responder) -> None:
    outcome = responder.respond(
        _event(
            "",
            kind=EventKind.ATTACHMENT,
            attachments=(Attachment(kind="sticker"), Attachment(kind="document")),
        ),
        START,
    )
    assert outcome.status is EventStatus.ESCALATED
    assert outcome.open_ticket_reason == "documents"


GERMAN_TOO = TWO_CLOSE_ENTRIES.replace(
    '    en: "Upload your ID',
    '    de: "Laden Sie Ihren Ausweis hoch."\n    en: "Upload your ID',
).replace(
    '         "verify my identity with a passport"]',
    '         "verify my identity with a passport"]\n    de: ["wie verifiziere ich mein Konto?"]',
)


@pytest.mark.parametrize("command", ["/start", "/help", "/START"])
def test_start_and_help_commands_greet_in_the_platforms_language(
    tmp_path: Path, decision_parts: DecisionParts, command: str
) -> None:
    (tmp_path / "faq.yaml").write_text(GERMAN_TOO, encoding="utf-8")
    faq = load_faq_dir(tmp_path, ("en", "de")).faq
    texts, _ = load_bot_texts(DEFAULT_BOT_TEXTS)
    assert faq is not None and texts is not None
    assert faq.languages == ("en", "de") or set(faq.languages) == {"en", "de"}
    bilingual = Responder(decision_parts.decider(faq), texts, decision_parts.feedback_words)
    outcome = bilingual.respond(_event(command, language_hint="de"), START)
    assert outcome.status is EventStatus.ANSWERED
    assert outcome.lang == "de"
    assert [r.text for r in outcome.replies] == [texts.get("greeting", "de")]
    unknown_hint = bilingual.respond(_event(command, language_hint="xx"), START)
    assert [r.text for r in unknown_hint.replies] == [texts.get("greeting", "en")]


def test_public_answer_is_short_and_full_answer_goes_privately(responder: Responder) -> None:
    outcome = responder.respond(_event("how do I verify my payment card?", is_public=True), START)
    reply = outcome.replies[-1]
    assert reply.is_public
    assert reply.text == responder.texts.get(
        "public_private_invite", "en"
    )  # entry has no public_answer
    assert (
        reply.private_followup == responder.decider.index.faq.get("card-verification").answer["en"]
    )  # type: ignore[union-attr]
    assert reply.options == ()


def test_public_escalation_says_nothing_account_specific(responder: Responder) -> None:
    outcome = responder.respond(
        _event("you thieves cancelled my withdrawal of 500 EUR, ticket #48213", is_public=True),
        START,
    )
    assert outcome.status is EventStatus.ESCALATED
    assert [r.text for r in outcome.replies] == [
        responder.texts.get("public_private_invite", "en")
    ]
