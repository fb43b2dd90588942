"""The decision on single messages with the shipped FAQ: regression tests named after the
behaviour each protects (language choice, normalisation, triage vs FAQ, other languages)."""

from __future__ import annotations

import pytest

from croupier.config import DEFAULT_FAQ_DIR
from croupier.decisions import DecisionParts, build_decider
from faq import matcher
from faq.normalise import Normalised, normalise
from handlers.decide import (
    Decider,
    DecisionKind,
    MatchSettings,
    _asked_amid_story,
    sentences_of,
)


@pytest.fixture(scope="module")
def decider(decision_parts: DecisionParts) -> Decider:
    return build_decider(DEFAULT_FAQ_DIR, decision_parts)[0]


def _answered(decider: Decider, text: str) -> tuple[str | None, str]:
    decision = decider.decide(text)
    assert decision.kind is DecisionKind.ANSWER, (text, decision)
    return decision.faq_id, decision.lang


def test_short_english_question_is_answered_in_english_not_german(decider: Decider) -> None:
    assert _answered(decider, "how do free spins work?") == ("free-spins", "en")


def test_english_question_is_not_outvoted_by_a_translit_example(decider: Decider) -> None:
    assert _answered(decider, "can I register if I live in Canada?") == (
        "account-registration",
        "en",
    )


def test_russian_in_latin_letters_is_answered_in_russian(decider: Decider) -> None:
    decision = decider.decide("kakoi minimalnyi depozit u vas?")
    assert decision.lang == "ru"
    assert decision.kind is DecisionKind.ANSWER and decision.faq_id == "deposit-methods"


def test_translit_russian_the_quick_models_read_as_polish_is_answered_in_russian(
    decider: Decider,
) -> None:
    """The trigram models are sure it is Polish; the FAQ example it resembles is Russian,
    so the full models look again and the vote in the decider settles it."""
    decision = decider.decide("kuda zagruzhat dokumenty? ne vizhu knopku")
    assert decision.kind is DecisionKind.ANSWER and decision.lang == "ru"


def test_polish_without_diacritics_is_understood_and_answered_in_polish(decider: Decider) -> None:
    assert _answered(decider, "ile trwa weryfikacja konta") == ("verification-time", "pl")


def test_one_letter_typo_still_matches(decider: Decider) -> None:
    assert _answered(decider, "how long does a withdrawl take?") == ("withdrawal-time", "en")


def test_mention_emoji_and_link_do_not_change_the_answer(decider: Decider) -> None:
    plain = _answered(decider, "how long does a withdrawal take?")
    decorated = _answered(
        decider, "@LuckyOrbitCasino how long does a withdrawal take? 🙏💸 https://example.com/x"
    )
    assert decorated == plain


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("how do I set a deposit limit?", "en"),
        ("jak ustawić dzienny limit wpłat?", "pl"),
        ("как поставить лимит на депозит?", "ru"),
        ("wie stelle ich ein Einzahlungslimit ein?", "de"),
        ("comment fixer une limite de dépôt ?", "fr"),
    ],
)
def test_deposit_limit_question_is_answered_not_escalated(
    decider: Decider, text: str, lang: str
) -> None:
    assert _answered(decider, text) == ("responsible-gambling-limits", lang)


def test_sports_odds_question_escalates_as_off_topic(decider: Decider) -> None:
    decision = decider.decide("what are the odds for Real Madrid vs Barcelona on Sunday?")
    assert (decision.kind, decision.reason) == (DecisionKind.ESCALATE, "off_topic")


def test_question_in_a_language_we_do_not_answer_gets_english_or_a_person(
    decider: Decider,
) -> None:
    decision = decider.decide("¿dónde encuentro mis giros gratis?")
    assert decision.lang == "en"
    assert decision.kind in (DecisionKind.ANSWER, DecisionKind.ESCALATE)
    if decision.kind is DecisionKind.ANSWER:
        assert decision.faq_id == "free-spins"


def test_message_about_nothing_in_the_faq_escalates_as_no_match(decider: Decider) -> None:
    decision = decider.decide("do you sponsor any football teams in the Bundesliga?")
    assert decision.kind is DecisionKind.ESCALATE
    assert decision.reason in ("no_match", "low_confidence", "off_topic")


def test_greeting_only_is_small_talk_in_the_players_language(decider: Decider) -> None:
    decision = decider.decide("Dzień dobry!")
    assert (decision.kind, decision.lang) == (DecisionKind.GREETING, "pl")


@pytest.mark.parametrize(
    ("text", "lang"),
    [("moin", "de"), ("hallo", "de"), ("hej", "pl"), ("salut", "fr"), ("privet", "ru")],
)
def test_a_one_word_greeting_is_answered_in_the_language_its_word_belongs_to(
    decider: Decider, text: str, lang: str
) -> None:
    """One word is too little for a detector; the small-talk lists name its language."""
    decision = decider.decide(text)
    assert (decision.kind, decision.lang) == (DecisionKind.GREETING, lang)


@pytest.mark.parametrize(
    "text",
    [
        "cherez skolko dnei pridut dengi posle vyvoda na kartu?",
        "kakie dokumenty nado zagruzit dlya proverki akkaunta?",
        "kak dolgo zhdat proverku dokumentov?",
    ],
)
def test_russian_typed_in_latin_letters_gets_its_reply_in_russian(
    decider: Decider, text: str
) -> None:
    """Detectors read these as Czech, Polish or Italian; the FAQ's own Russian text,
    transliterated, uses most of their words."""
    decision = decider.decide(text)
    assert decision.kind in (DecisionKind.ANSWER, DecisionKind.CLARIFY)
    assert decision.lang == "ru"


@pytest.mark.parametrize(
    "text", ["quanto tempo ci vuole per un prelievo?", "¿cuánto tiempo tarda la verificación?"]
)
def test_a_language_the_faq_lacks_still_gets_english_not_a_neighbour(
    decider: Decider, text: str
) -> None:
    """Italian and Spanish share short words with French ("la", "de", "un"); a detector sure
    of the language keeps its reading unless most words are one FAQ language's."""
    assert decider.decide(text).lang == "en"


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("how long does verification take? and what is the minimum deposit?", "en"),
        ("Ile trwa weryfikacja? Jaki jest minimalny depozyt?", "pl"),
        ("how long does verification take and what is the minimum deposit", "en"),
        ("wie lange dauert die Verifizierung und wie hoch ist die Mindesteinzahlung", "de"),
        ("сколько длится верификация и какой минимальный депозит", "ru"),
    ],
)
def test_two_questions_in_one_message_are_both_answered(
    decider: Decider, text: str, lang: str
) -> None:
    decision = decider.decide(text)
    assert decision.kind is DecisionKind.ANSWER
    assert (decision.faq_id, *decision.also_faq_ids) == ("verification-time", "deposit-methods")
    assert decision.lang == lang


@pytest.mark.parametrize(
    "text",
    [
        "how long does a withdrawal take and is there a fee?",
        "ile trwa wypłata i czy jest jakaś opłata?",
        "wie lange dauert eine Auszahlung? und gibt es Gebühren?",
    ],
)
def test_a_short_follow_up_question_is_answered_by_the_entry_it_leans_to(
    decider: Decider, text: str
) -> None:
    """A bare "is there a fee?" is too short to answer, but after a payout question it leans
    to the payout-limits entry: both questions get their answer, no clarify, no guess."""
    decision = decider.decide(text)
    assert decision.kind is DecisionKind.ANSWER
    assert {decision.faq_id, *decision.also_faq_ids} == {
        "withdrawal-time",
        "withdrawal-methods-limits",
    }


def test_a_story_before_the_question_is_context_not_a_second_question(
    decider: Decider,
) -> None:
    decision = decider.decide(
        "I deposited with my card yesterday. What is the minimum withdrawal?"
    )
    assert (decision.kind, decision.faq_id) == (DecisionKind.ANSWER, "withdrawal-methods-limits")
    assert decision.also_faq_ids == ()


@pytest.mark.parametrize(
    "text",
    [
        "Sent my passport and a selfie yesterday evening. How long does the verification take?",
        "Hab gestern Ausweis und Selfie hochgeladen. Wie lange dauert die Verifizierung?",
        "Wysłałem wczoraj dowód i selfie. Ile trwa weryfikacja?",
    ],
)
def test_a_story_around_one_question_is_not_answered_as_a_second_question(
    decider: Decider, text: str
) -> None:
    """The upload story alone reads as the documents entry; answering it (first, even)
    next to the time question would tell the player which papers to send, again."""
    decision = decider.decide(text)
    assert "verification-documents" not in (decision.faq_id, *decision.also_faq_ids)


def test_what_only_the_story_names_weighs_less_than_what_the_question_names(
    decider: Decider,
) -> None:
    story, question = "Я пополнял через Skrill.", "Можно вывести на банковскую карту?"
    message = normalise(f"{story} {question}")

    def score(entry_id: str, focus: Normalised | None) -> float:
        ranked = decider.index.rank(message, "ru", limit=16, focus=focus)
        return next(c.score for c in ranked if c.entry_id == entry_id)

    assert score("deposit-methods", normalise(question)) < score("deposit-methods", None)
    decision = decider.decide(message.text)
    assert "deposit-methods" not in (decision.faq_id, *decision.options)


@pytest.mark.parametrize(
    ("text", "entry"),
    [
        ("gibt es eine Erinnerung nach einer Stunde Spielzeit?", "responsible-gambling-limits"),
        ("czy jest przypomnienie po godzinie gry?", "responsible-gambling-limits"),
        ("can I get a reminder after an hour of play?", "responsible-gambling-limits"),
        ("Passwort-Erinnerung kommt nicht an", "account-password-reset"),
    ],
)
def test_a_play_time_reminder_is_a_limit_not_a_password_reminder(
    decider: Decider, text: str, entry: str
) -> None:
    assert _answered(decider, text)[0] == entry


def test_and_inside_one_question_does_not_split_it(decider: Decider) -> None:
    """Only a conjunction that opens a new question splits ("cards and e-wallets" do not)."""
    decision = decider.decide("can I withdraw to cards and e-wallets?")
    assert decision.also_faq_ids == ()


@pytest.mark.parametrize(
    "text",
    [
        "can I cash out without sending any ID?",
        "можно вывести без верификации?",
        "kann ich ohne Verifizierung auszahlen?",
    ],
)
def test_cashing_out_without_verification_asks_why_verification_comes_first(
    decider: Decider, text: str
) -> None:
    """A player writing "without" questions the requirement itself, not which papers to send."""
    assert _answered(decider, text)[0] == "withdrawal-first-verification"


@pytest.mark.parametrize(
    ("text", "entry"),
    [
        ("jakie papiery trzeba do weryfikacji konta?", "verification-documents"),
        ("wie lange dauert eine Auszahlung auf PayPal?", "withdrawal-time"),
        ("сколько дней идёт вывод на карту?", "withdrawal-time"),
    ],
)
def test_a_message_naming_what_sets_one_sibling_apart_is_answered_not_clarified(
    decision_parts: DecisionParts,
    decider: Decider,
    text: str,
    entry: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Payout time and payout limits share "payout" and a payment method, so their scores
    stay close; "how long" is what sets one apart, and the message names little else. The
    lead alone must tell them apart, so the sibling intent penalties are off for its part."""
    assert _answered(decider, text)[0] == entry
    monkeypatch.setattr(matcher, "INTENT_MISS_PENALTY", 0.0)
    monkeypatch.setattr(matcher, "UNASKED_INTENT_PENALTY", 0.0)
    without_lead = decision_parts.decider(decider.index.faq, MatchSettings(clarify_lead=2.0))
    asked = without_lead.decide(text)
    assert asked.kind is DecisionKind.CLARIFY
    top, other = asked.candidates[:2]
    lead = decider.index.lead(normalise(text), asked.detected_lang, top, other)
    reverse = decider.index.lead(normalise(text), asked.detected_lang, other, top)
    assert lead.net >= MatchSettings().clarify_lead
    assert lead.toward_other <= MatchSettings().clarify_other_share * lead.toward_top
    assert reverse == (lead.toward_other, lead.toward_top)


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        ("how do I change my password if I can't remember it?", 1),
        ("what if i can't log in", 1),
        ("how long does a payout take and is there a fee", 2),
        ("ile trwa wypłata i czy jest opłata", 2),
        ("сколько идет вывод и есть ли комиссия", 2),
    ],
)
def test_a_conjunction_splits_questions_only_before_its_own_languages_question_word(
    text: str, parts: int
) -> None:
    """The Polish "i" (and) before "can" is the English "I": one question, not two."""
    assert len(sentences_of(text)) == parts


@pytest.mark.parametrize(
    ("text", "asked"),
    [
        (
            "the welcome bonus came through fine but where do I find the free spins",
            "where do I find the free spins",
        ),
        ("depo poszło ok, ale gdzie są moje darmowe spiny?", "gdzie są moje darmowe spiny?"),
        ("бонус получил, но где фриспины?", "где фриспины?"),
        ("Willkommensbonus hab ich,aber wo sind die Freispiele?", "wo sind die Freispiele?"),
        ("le bonus est là mais où sont les tours gratuits ?", "où sont les tours gratuits ?"),
    ],
)
def test_what_comes_before_a_but_is_told_not_asked(text: str, asked: str) -> None:
    """ "Got the bonus fine, but where are the spins?" asks about the spins alone."""
    assert sentences_of(text)[-1] == asked


@pytest.mark.parametrize(
    ("text", "lang", "asked"),
    [
        # "will" opens an English question and a German statement ("I want to...")
        (
            "will die erste Einzahlung machen. geht paypal bei euch?",
            "de",
            ["geht paypal bei euch?"],
        ),
        ("i deposited. will it show up today", "en", ["will it show up today"]),
        # "was" opens a German question and an English statement
        (
            "was kostet eine Auszahlung. habe gestern gewonnen",
            "de",
            ["was kostet eine Auszahlung."],
        ),
        ("was charged twice. how do I get it back", "en", ["how do I get it back"]),
    ],
)
def test_a_sentence_opens_a_question_only_with_its_own_languages_question_word(
    text: str, lang: str, asked: list[str]
) -> None:
    assert _asked_amid_story(sentences_of(text), lang) == asked


@pytest.mark.parametrize(
    ("text", "lang", "asked"),
    [
        (
            "uploaded my passport and a selfie this morning, how long does the check take?",
            "en",
            ["how long does the check take?"],
        ),
        (
            "wysłałem skan paszportu wieczorem, ile trwa weryfikacja?",
            "pl",
            ["ile trwa weryfikacja?"],
        ),
        ("отправил паспорт утром, сколько длится проверка?", "ru", ["сколько длится проверка?"]),
        # both halves ask: the comma opens no story, and there is no second question either
        ("Gibt es ein Limit, wie viel man pro Tag auszahlen kann?", "de", []),
    ],
)
def test_a_told_clause_before_a_comma_is_the_story_around_the_question(
    text: str, lang: str, asked: list[str]
) -> None:
    assert _asked_amid_story(sentences_of(text), lang) == asked


@pytest.mark.parametrize(
    "text",
    [
        "uploaded my passport and a selfie this morning, how long does the check take?",
        "wysłałem skan paszportu wczoraj wieczorem, ile zwykle trwa weryfikacja?",
        "отправил паспорт и селфи утром, сколько обычно длится проверка?",
    ],
)
def test_papers_sent_earlier_are_the_story_of_a_verification_time_question(
    decider: Decider, text: str
) -> None:
    """The documents entry shares the papers and the upload; the question is the time (at
    worst a clarify that offers it first)."""
    decision = decider.decide(text)
    offered = decision.faq_id if decision.kind is DecisionKind.ANSWER else decision.options[0]
    assert decision.kind in (DecisionKind.ANSWER, DecisionKind.CLARIFY)
    assert offered == "verification-time"


def test_a_question_after_a_but_is_answered_for_itself(decider: Decider) -> None:
    decision = decider.decide(
        "the welcome bonus came through fine but where do I find the free spins"
    )
    assert (decision.kind, decision.faq_id) == (DecisionKind.ANSWER, "free-spins")


@pytest.mark.parametrize(
    ("text", "clear"),
    [
        ("the page where you type your details to join keeps refreshing on me, any idea", True),
        ("how long until the cash lands in my bank, and what's the most I can take out", False),
    ],
)
def test_a_top_entry_far_ahead_of_the_rest_is_answered_just_under_the_threshold(
    decision_parts: DecisionParts, decider: Decider, text: str, clear: bool
) -> None:
    """Chatty words dilute every entry's score alike: a low top score that stands alone is
    still the entry meant, while one with a runner-up close behind is no surer for it. The
    threshold is set just above the message's top score to look at that margin alone."""
    top, runner_up = decider.decide(text).candidates[:2]
    assert (runner_up.score <= MatchSettings().clear_lead_ratio * top.score) is clear
    just_above = MatchSettings(answer_threshold=top.score / 0.97, clarify_ratio=0.99)
    decision = decision_parts.decider(decider.index.faq, just_above).decide(text)
    assert decision.kind is (DecisionKind.ANSWER if clear else DecisionKind.ESCALATE)
    if clear:
        assert decision.faq_id == top.entry_id
    else:
        assert decision.reason == "low_confidence"


@pytest.mark.parametrize(
    ("suffix", "answered"),
    [("", True), (" https://example.com/page", False)],
)
def test_a_top_entry_alone_in_the_field_is_answered_further_under_the_threshold(
    decision_parts: DecisionParts, decider: Decider, suffix: str, answered: bool
) -> None:
    """A runner-up under half the top leaves nothing else the message could mean; a link
    (spam's mark) keeps the ordinary bar. The threshold is set so the top scores 85 % of
    it: under the clear lead's 95 %, over the decisive lead's 80 %."""
    text = "the page where you type your details to join keeps refreshing on me, any idea"
    top, runner_up = decider.decide(text).candidates[:2]
    settings = MatchSettings()
    assert runner_up.score <= settings.decisive_lead_ratio * top.score
    assert settings.decisive_lead_share < 0.85 < settings.clear_lead_share
    bar = MatchSettings(answer_threshold=top.score / 0.85)
    decision = decision_parts.decider(decider.index.faq, bar).decide(text + suffix)
    assert decision.kind is (DecisionKind.ANSWER if answered else DecisionKind.ESCALATE)
    assert decision.faq_id == (top.entry_id if answered else None)
