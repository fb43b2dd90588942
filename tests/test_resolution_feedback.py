"""After an FAQ answer the player says whether it helped; support leads see the counts."""

from __future__ import annotations

from croupier.app import Croupier
from tests.conftest import Moderator, PlayerChat, faq_answer, phrase


async def test_answer_offers_yes_no_buttons_and_yes_counts_as_confirmed(
    croupier: Croupier, player: PlayerChat
) -> None:
    await player.say("what is the minimum deposit?")
    answer = await player.next_reply()
    assert answer["text"] == faq_answer(croupier, "deposit-methods", "en")
    assert [o["number"] for o in answer["options"]] == [1, 2]
    await player.say("1")
    thanks = await player.next_reply()
    assert thanks["text"] == phrase(croupier, "feedback_thanks")
    assert await croupier.store.resolution_counts() == {"confirmed": 1}


async def test_typed_yes_in_polish_counts_as_confirmed(
    croupier: Croupier, player: PlayerChat
) -> None:
    await player.say("jaki jest minimalny depozyt?")
    await player.next_reply()
    await player.say("tak, pomogło, dzięki")
    assert (await player.next_reply())["text"] == phrase(croupier, "feedback_thanks", "pl")
    assert await croupier.store.resolution_counts() == {"confirmed": 1}


async def test_answer_without_verdict_counts_as_assumed(
    croupier: Croupier, player: PlayerChat
) -> None:
    await player.say("what is the minimum deposit?")
    await player.next_reply()
    assert await croupier.store.resolution_counts() == {"assumed": 1}


async def test_no_escalates_to_a_person_with_reason(
    croupier: Croupier, player: PlayerChat, moderator: Moderator
) -> None:
    await player.say("what is the minimum deposit?")
    await player.next_reply()
    await player.say("no, that didn't help")
    assert (await player.next_reply())["text"] == phrase(croupier, "holding_reply")
    tickets = await moderator.open_tickets()
    assert [t["reason"] for t in tickets] == ["answer_not_helpful"]
    assert await croupier.store.resolution_counts() == {"rejected": 1}


async def test_rephrased_repeat_of_the_same_question_escalates(
    croupier: Croupier, player: PlayerChat, moderator: Moderator
) -> None:
    await player.say("what is the minimum deposit?")
    await player.next_reply()
    await player.say("how much do I have to deposit at least?")
    assert (await player.next_reply())["text"] == phrase(croupier, "holding_reply")
    assert [t["reason"] for t in await moderator.open_tickets()] == ["repeated_question"]
