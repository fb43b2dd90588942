"""From one event and its conversation's state to what we say and what changes.

Pure: the runtime loads the state, calls :func:`respond`, and applies the
:class:`Outcome` in one transaction. The order of checks is the product's policy:
a person's conversation is never talked over; documents go to a person; voice, video and
stickers are not read (the player is asked to type); a pending clarify is resolved before
anything else; then the FAQ decides.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bots.events import Event, EventKind, Reply, ReplyOption
from faq.model import FaqEntry
from faq.normalise import normalise
from faq.texts import BotTexts
from handlers.decide import Decider, Decision, DecisionKind
from handlers.feedback import NO_OPTION, YES_OPTION, FeedbackWords
from handlers.outcome import ConversationMode, ConversationState, EventStatus, Outcome
from handlers.personal_data import find_personal_data

_OPTION_NUMBER = re.compile(r"^\s*(?:#|nr\.?|№)?\s*(\d{1,2})\s*[.)!]?\s*$", re.IGNORECASE)
HARM_REASONS = frozenset({"gambling_harm"})
URGENT_REASONS = HARM_REASONS | {"minor"}
"""Reasons that name a ticket even when the comment also exposed personal data."""
PERSONAL_DATA_REASON = "personal_data"
DOCUMENT_ATTACHMENTS = frozenset({"photo", "document"})
"""Attachments to a public post that may show an identity document: we cannot look inside
an image, and a harmless photo hidden by mistake costs far less than a visible passport."""
MAX_MISSES = 2
_HELLO_COMMAND = re.compile(r"^/(?:start|help)$", re.IGNORECASE)
"""Messenger commands that open a chat (Telegram's /start, also after a deep link with
nothing waiting, and /help): they carry no words, so the platform's language hint
chooses the greeting's language."""
UNREAD_MEDIA_KINDS = frozenset({"sticker", "voice", "video", "audio", "animation"})
"""Attachments nobody on the team needs to see (unlike photos and documents, which are
usually verification papers): the bot asks for the question in words instead of opening a
ticket. Any other kind, unknown ones included, goes to a person as ``documents``."""


@dataclass(frozen=True)
class Responder:
    """The decision code plus the phrases it speaks; one per live FAQ version."""

    decider: Decider
    texts: BotTexts
    feedback_words: FeedbackWords

    def respond(self, event: Event, state: ConversationState) -> Outcome:
        exposed = _exposed_personal_data(event)
        if exposed:  # before anything else, also while a person handles the thread
            return self._protect_exposed(event, state, exposed)
        if state.mode is ConversationMode.HANDOFF:
            return self._while_person_handles(event, state)
        unread_media = bool(event.attachments) and all(
            a.kind in UNREAD_MEDIA_KINDS for a in event.attachments
        )
        if unread_media and not event.text.strip():
            return self._ask_to_type(event, state)
        if _HELLO_COMMAND.match(event.text.strip()):
            return self._greet(event, state)
        # A caption under a voice note or video is read as an ordinary message.
        has_attachment = not unread_media and (
            bool(event.attachments) or event.kind is EventKind.ATTACHMENT
        )
        feedback: str | None = None
        if state.mode is ConversationMode.FEEDBACK and not has_attachment:
            picked = _picked_option(event, NO_OPTION)
            feedback = self.feedback_words.verdict(normalise(event.text), picked)
            lang = state.lang or "en"
            if feedback == "yes":
                return Outcome(
                    status=EventStatus.ANSWERED,
                    mode=ConversationMode.BOT,
                    lang=lang,
                    replies=(self._reply(event, self.texts.get("feedback_thanks", lang)),),
                    decision={"decision": "feedback", "feedback": "yes"},
                    feedback="yes",
                )
            if feedback == "no":
                decision = Decision(DecisionKind.ESCALATE, lang, lang, reason="answer_not_helpful")
                return self._escalate(event, decision, decision.record(), (), feedback="no")
        if state.mode is ConversationMode.CLARIFY and not has_attachment:
            picked = _picked_option(event, len(state.clarify_options))
            if picked is not None:
                entry = self.decider.index.faq.get(state.clarify_options[picked - 1])
                lang = state.lang or "en"
                if entry is not None:
                    return self._answer(
                        event, entry, lang, {"decision": "answer", "clarified": True}
                    )
        if not event.text.strip() and not has_attachment:
            lang = state.lang or event.language_hint or "en"
            return Outcome(
                status=EventStatus.ANSWERED,
                mode=ConversationMode.BOT,
                lang=lang if lang in self.decider.index.faq.languages else "en",
                replies=(self._reply(event, self.texts.get("empty_message", lang)),),
                decision={"decision": "empty"},
            )
        decision = self.decider.decide(
            event.text,
            has_attachment=has_attachment,
            language_hint=event.language_hint,
            choosing=state.mode is ConversationMode.CLARIFY,
        )
        record = decision.record()
        notes: tuple[Reply, ...] = ()
        if event.text_truncated:
            notes = (self._reply(event, self.texts.get("message_truncated", decision.lang)),)
        repeated = (
            state.mode is ConversationMode.FEEDBACK
            and decision.kind is DecisionKind.ANSWER
            and decision.faq_id == state.last_faq_id
        )
        if repeated:
            # Asking the same again in other words: our answer did not help.
            record |= {"decision": "escalate", "reason": "repeated_question"}
            return self._escalate(event, decision, record, notes, feedback="no")
        misses = (state.misses if state.mode is ConversationMode.CLARIFY else 0) + 1
        if decision.kind is DecisionKind.CLARIFY and misses >= MAX_MISSES:
            record |= {"decision": "escalate", "reason": "repeated_miss"}
            return self._escalate(event, decision, record, notes)
        match decision.kind:
            case DecisionKind.ESCALATE:
                return self._escalate(event, decision, record, notes)
            case DecisionKind.GREETING:
                key = "thanks_reply" if decision.smalltalk == "thanks" else "greeting"
                return Outcome(
                    status=EventStatus.ANSWERED,
                    mode=ConversationMode.BOT,
                    lang=decision.lang,
                    replies=(self._reply(event, self.texts.get(key, decision.lang)),),
                    decision=record,
                )
            case DecisionKind.CLARIFY:
                return self._clarify(event, decision, record, notes, misses)
            case DecisionKind.ANSWER:
                faq = self.decider.index.faq
                entries = [faq.get(i) for i in (decision.faq_id or "", *decision.also_faq_ids)]
                if entries[0] is None:  # the FAQ changed under us: let a person look
                    return self._escalate(event, decision, record | {"reason": "no_match"}, notes)
                return self._answer(
                    event,
                    entries[0],
                    decision.lang,
                    record,
                    notes,
                    also=tuple(e for e in entries[1:] if e is not None),
                )
        raise AssertionError(decision.kind)

    def _reply(self, event: Event, text: str, **extra: object) -> Reply:
        return Reply(
            channel=event.channel,
            conversation_key=event.conversation_key,
            text=text,
            is_public=event.is_public,
            in_reply_to=event.platform_message_id,
            **extra,  # type: ignore[arg-type]
        )

    def _answer(
        self,
        event: Event,
        entry: FaqEntry,
        lang: str,
        record: dict[str, object],
        notes: tuple[Reply, ...] = (),
        also: tuple[FaqEntry, ...] = (),
    ) -> Outcome:
        full_text, answer_lang = entry.answer_in(lang)
        for extra in also:  # one approved answer per question the player asked
            full_text += "\n\n" + extra.answer_in(answer_lang)[0]
        if event.is_public:
            public = entry.public_answer_in(lang)
            if public is None or also:
                public_text = self.texts.get("public_private_invite", lang)
            else:
                public_text = public[0]
            reply = self._reply(
                event,
                public_text,
                private_followup=full_text,
                contact_hint=self.texts.get("public_contact_hint", lang),
            )
            mode = ConversationMode.BOT
        else:
            # The approved text stays whole; the "did it help?" question follows it.
            question = self.texts.get("feedback_question", answer_lang)
            options = (
                ReplyOption(number=YES_OPTION, title=self.texts.get("feedback_yes", answer_lang)),
                ReplyOption(number=NO_OPTION, title=self.texts.get("feedback_no", answer_lang)),
            )
            reply = self._reply(event, f"{full_text}\n\n{question}", options=options)
            mode = ConversationMode.FEEDBACK
        return Outcome(
            status=EventStatus.ANSWERED,
            mode=mode,
            lang=answer_lang,
            replies=(*notes, reply),
            decision=record | {"faq_id": entry.id, "lang": answer_lang},
            last_faq_id=entry.id,
        )

    def _clarify(
        self,
        event: Event,
        decision: Decision,
        record: dict[str, object],
        notes: tuple[Reply, ...],
        misses: int,
    ) -> Outcome:
        faq = self.decider.index.faq
        entries = [e for e in (faq.get(i) for i in decision.options) if e is not None]
        options = tuple(
            ReplyOption(number=n, title=e.display_title(decision.lang))
            for n, e in enumerate(entries, start=1)
        )
        lines = "\n".join(
            self.texts.get("clarify_option", decision.lang, number=o.number, title=o.title)
            for o in options
        )
        prompt = self.texts.get("clarify_prompt", decision.lang, options=lines)
        return Outcome(
            status=EventStatus.ANSWERED,
            mode=ConversationMode.CLARIFY,
            lang=decision.lang,
            replies=(*notes, self._reply(event, prompt, options=options)),
            clarify_options=tuple(e.id for e in entries),
            decision=record,
            misses=misses,
        )

    def _escalate(
        self,
        event: Event,
        decision: Decision,
        record: dict[str, object],
        notes: tuple[Reply, ...],
        feedback: str | None = None,
    ) -> Outcome:
        reason = str(record.get("reason") or decision.reason or "no_match")
        lang = decision.lang
        if event.is_public:
            text = self.texts.get("public_private_invite", lang)
        elif reason in HARM_REASONS:
            text = self.texts.get("holding_reply_harm", lang)
        elif reason == "minor":
            text = self.texts.get("holding_reply_minor", lang)
        elif reason == "documents":
            text = self.texts.get("attachment_received", lang)
        else:
            text = self.texts.get("holding_reply", lang)
        return Outcome(
            status=EventStatus.ESCALATED,
            mode=ConversationMode.HANDOFF,
            lang=lang,
            replies=(*notes, self._reply(event, text)),
            open_ticket_reason=reason,
            decision=record | {"reason": reason},
            feedback=feedback,
        )

    def _protect_exposed(
        self, event: Event, state: ConversationState, exposed: tuple[str, ...]
    ) -> Outcome:
        """A public post shows personal data: have it withdrawn where the channel can, tell
        the player privately why, and hand the thread to a moderator.

        The public reply is the fixed "we'll write to you privately" phrase, so nothing of
        the post is ever repeated in public.
        """
        decision = self.decider.decide(
            event.text,
            has_attachment=bool(event.attachments),
            language_hint=event.language_hint,
        )
        lang = decision.lang
        reason = PERSONAL_DATA_REASON
        if decision.kind is DecisionKind.ESCALATE and decision.reason in URGENT_REASONS:
            reason = decision.reason
        why = "personal_data_hidden" if event.withdrawable else "personal_data_public"
        reply = self._reply(
            event,
            self.texts.get("public_private_invite", lang),
            private_followup=self.texts.get(why, lang),
            contact_hint=self.texts.get("public_contact_hint", lang),
            withdraw_source=event.withdrawable,
        )
        handoff = state.mode is ConversationMode.HANDOFF
        return Outcome(
            status=EventStatus.ESCALATED,
            mode=ConversationMode.HANDOFF,
            lang=lang,
            replies=(reply,),
            open_ticket_reason=reason,
            followup_sent=state.followup_sent if handoff else False,
            decision={
                "decision": "escalate",
                "reason": reason,
                "lang": lang,
                "personal_data": list(exposed),
                "withdrawn": event.withdrawable,
            },
        )

    def _greet(self, event: Event, state: ConversationState) -> Outcome:
        languages = self.decider.index.faq.languages
        lang = next((c for c in (event.language_hint, state.lang) if c and c in languages), "en")
        return Outcome(
            status=EventStatus.ANSWERED,
            mode=ConversationMode.BOT,
            lang=lang,
            replies=(self._reply(event, self.texts.get("greeting", lang)),),
            decision={"decision": "greeting", "command": event.text.strip().lower()},
        )

    def _ask_to_type(self, event: Event, state: ConversationState) -> Outcome:
        """A sticker, voice note or video alone: never an FAQ answer, never a ticket; the
        conversation keeps its state (a pending clarify or feedback question still waits)."""
        lang = state.lang or event.language_hint or "en"
        return Outcome(
            status=EventStatus.ANSWERED,
            mode=state.mode,
            lang=lang if lang in self.decider.index.faq.languages else "en",
            replies=(self._reply(event, self.texts.get("media_not_read", lang)),),
            clarify_options=state.clarify_options,
            decision={
                "decision": "media_not_read",
                "kinds": sorted({a.kind for a in event.attachments}),
            },
            last_faq_id=state.last_faq_id,
            misses=state.misses,
        )

    def _while_person_handles(self, event: Event, state: ConversationState) -> Outcome:
        """The player's message joins the open ticket; at most one holding note."""
        lang = state.lang or "en"
        replies: tuple[Reply, ...] = ()
        if not state.followup_sent:
            replies = (self._reply(event, self.texts.get("holding_followup", lang)),)
        return Outcome(
            status=EventStatus.ESCALATED,
            mode=ConversationMode.HANDOFF,
            lang=lang,
            replies=replies,
            followup_sent=True,
            decision={"decision": "joined_ticket", "reason": "handoff"},
        )


def _exposed_personal_data(event: Event) -> tuple[str, ...]:
    """Kinds of personal data a public event shows to everyone (empty when private)."""
    if not event.is_public:
        return ()
    kinds = sorted(str(kind) for kind in find_personal_data(event.text))
    if event.withdrawable and any(a.kind in DOCUMENT_ATTACHMENTS for a in event.attachments):
        kinds.append("document")
    return tuple(kinds)


def _picked_option(event: Event, option_count: int) -> int | None:
    number = event.picked_option
    if number is None:
        match = _OPTION_NUMBER.match(event.text)
        number = int(match.group(1)) if match else None
    if number is not None and 1 <= number <= option_count:
        return number
    return None
