"""Russian typed with the keyboard left on the Latin layout is read as the Russian it is;
Latin-script text of any of our languages is left alone."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from croupier.decisions import DecisionParts, build_decider
from faq.keyboard_layout import from_wrong_layout
from faq.normalise import normalise
from handlers.decide import DecisionKind
from handlers.triage import Triage, load_triage_rules

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("rfr gjgjkybnm cxtn rfhnjq?", "как пополнить счет картой?"),
        ("Ult vjb ltymub? ;le e;t nhb lyz", "Где мои деньги? жду уже три дня"),
        ("pf,sk gfhjkm, xnj ltkfnm", "забыл пароль, что делать"),
        ("crjkmrj blen ,jyecs", "сколько идут бонусы"),
    ],
)
def test_russian_typed_on_the_latin_layout_is_switched_back(typed: str, meant: str) -> None:
    assert from_wrong_layout(typed) == meant


@pytest.mark.parametrize(
    "text",
    [
        "wd to skrl how long",
        "brb thx",
        "czy jest blik?",
        "ile trwa wyplata na konto",
        "kak vyvesti dengi na kartu",  # translit, read by the transliteration instead
        "echter mensch bitte",
        "kyc docs list?",
        "pls block me i cant stop",
        "wie lange dauert die Auszahlung",
        "ou est mon retrait",
        "как вывести деньги",
    ],
)
def test_text_typed_in_its_own_layout_is_left_alone(text: str) -> None:
    assert from_wrong_layout(text) is None


def test_no_labelled_latin_message_is_read_as_a_wrong_layout() -> None:
    """Over every labelled set the bench holds (thousands of messages in all our
    languages, slang and shorthand included), only a message written in the wrong layout
    may switch."""
    sets = sorted((ROOT / "bench" / "sets").glob("*/questions.jsonl"))
    rows = [json.loads(line) for path in sets for line in path.open()]
    assert len(rows) > 5000
    switched = [row for row in rows if from_wrong_layout(row["text"]) is not None]
    assert switched, "the sets hold Russian typed on a Latin layout"
    assert all(row["lang"] in ("ru", "uk") for row in switched), switched
    assert all(normalise(row["text"]).has_cyrillic for row in switched)


def test_mentions_and_links_keep_their_letters() -> None:
    assert normalise("@LuckyOrbit ghbdtn, rfr dsdtcnb ltymub?").text == (
        "@LuckyOrbit привет, как вывести деньги?"
    )
    link = "ghbdtn gjcvjnhbnt https://lucky.example/promo"
    assert normalise(link).text == link


def test_a_question_in_the_wrong_layout_is_answered_in_russian(
    decision_parts: DecisionParts,
) -> None:
    decider = build_decider(ROOT / "faq" / "content", decision_parts)[0]
    decision = decider.decide("rfr ljkuj bltn dsdjl yf rfhne?")  # как долго идет вывод на карту?
    assert (decision.kind, decision.faq_id, decision.lang) == (
        DecisionKind.ANSWER,
        "withdrawal-time",
        "ru",
    )


def test_an_ask_for_a_person_in_the_wrong_layout_escalates() -> None:
    triage = Triage(load_triage_rules())
    verdict = triage.check(normalise("gjpjdbnt jgthfnjhf gj;fkeqcnf"))  # позовите оператора
    assert verdict is not None and verdict.reason == "human_request"
