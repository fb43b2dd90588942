"""The FAQ index: built from feature ids the featuriser hands out, so builds that overlap
(a file watcher's reload during the startup load) or that follow a cache trim must rank
exactly as a lone build does."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

import faq.matcher as matcher
from faq.lexicon import load_lexicon
from faq.loader import load_faq_dir
from faq.matcher import Candidate, FaqIndex, Featuriser
from faq.model import Faq, FaqEntry
from faq.normalise import normalise
from handlers.decide import MatchSettings

ROOT = Path(__file__).resolve().parents[1]
MESSAGES = [
    "how long does a withdrawal take?",
    "jak długo trwa weryfikacja konta",
    "где мой депозит, деньги списали",
    "Auszahlungsgebühren?",
    "comment fixer une limite de dépôt ?",
]


def _faq(path: Path) -> Faq:
    result = load_faq_dir(path)
    assert result.faq is not None
    return result.faq


def _rankings(index: FaqIndex) -> list[list[tuple[str, float]]]:
    return [[(c.entry_id, c.score) for c in index.rank(normalise(m), None)] for m in MESSAGES]


@pytest.fixture(scope="module")
def faqs() -> list[Faq]:
    return [_faq(ROOT / "faq" / "content"), _faq(ROOT / "bench" / "sets" / "star-reel" / "faq")]


def test_overlapping_builds_rank_like_lone_builds(faqs: list[Faq]) -> None:
    lexicon = load_lexicon()
    expected = [_rankings(FaqIndex(faq, Featuriser(lexicon))) for faq in faqs]
    shared = Featuriser(lexicon)
    built: dict[int, FaqIndex] = {}

    def build(slot: int) -> None:
        built[slot] = FaqIndex(faqs[slot % 2], shared)

    threads = [threading.Thread(target=build, args=(slot,)) for slot in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for slot, index in built.items():
        assert _rankings(index) == expected[slot % 2]


def test_a_trimmed_cache_gives_the_same_index(
    faqs: list[Faq], monkeypatch: pytest.MonkeyPatch
) -> None:
    featuriser = Featuriser(load_lexicon())
    before = _rankings(FaqIndex(faqs[0], featuriser))
    FaqIndex(faqs[1], featuriser)
    monkeypatch.setattr(matcher, "FAQ_TEXT_CACHE_SIZE", 10)
    after = FaqIndex(faqs[0], featuriser)  # trims first: every text is read again
    assert _rankings(after) == before


def _ranked(entries: list[tuple[str, str, str]], message: str) -> list[Candidate]:
    """``message`` ranked in an English FAQ of (id, question, answer)."""
    faq = Faq(
        entries=tuple(
            FaqEntry(id=entry_id, questions={"en": (question,)}, answer={"en": answer})
            for entry_id, question, answer in entries
        ),
        languages=("en",),
    )
    return FaqIndex(faq, Featuriser(load_lexicon())).rank(normalise(message), "en")


def _top_entry(entries: list[tuple[str, str, str]], message: str) -> str | None:
    ranked = _ranked(entries, message)
    return ranked[0].entry_id if ranked else None


def test_a_fact_only_an_answer_states_points_to_that_entry() -> None:
    """A terse FAQ asks "How do I register?" and states the minimum age only in the answer:
    a player asking about age must find that entry, not nothing (escalated as no match)."""
    entries = [
        ("signup", "How do I register?", "Fill in the form. You must be 18 or older."),
        ("limits", "How do I limit my play?", "Set a daily deposit cap in Settings."),
        ("payouts", "How long do payouts take?", "Up to 3 business days."),
    ]
    assert _top_entry(entries, "is there a minimum age?") == "signup"


def test_how_long_outweighs_the_method_it_mentions() -> None:
    """The asked-about time picks the entry; the bank account is a detail of it. With
    intents weighing like any concept, the methods entry (which names bank accounts) won."""
    entries = [
        ("payout-time", "Payout processing times", "Up to 3 business days."),
        ("payout-methods", "Cash out to card, bank account or Skrill", "All three."),
        ("deposit-methods", "Can I deposit with my card?", "Visa or Mastercard."),
    ]
    assert _top_entry(entries, "how long for a payout to my bank account?") == "payout-time"


def test_a_status_question_outweighs_the_papers_it_mentions() -> None:
    """ "Still pending?" is what is asked (an intent); the passport and selfie are what was
    sent. Weighed like any concept, they gave the documents entry the lead."""
    entries = [
        ("documents", "Which documents do I need: passport, ID card, selfie?", "A passport."),
        ("status", "Where do I see the status of my documents?", "Checks take up to 24 hours."),
        ("payouts", "How long do payouts take?", "Up to 3 business days."),
    ]
    assert _top_entry(entries, "my passport and selfie are still pending?") == "status"


def test_a_message_that_asks_no_time_leaves_the_entry_that_always_does() -> None:
    """ "Which documents for verification?" has every word of "I sent my documents, how
    long does verification take?" but asks nothing about time: the documents entry, whose
    questions seldom ask how long, is meant."""
    entries = [
        ("documents", "Which documents are needed?", "A passport or ID card and a utility bill."),
        ("check-time", "I sent my documents, how long does verification take?", "24 hours."),
        ("payouts", "What payout methods are there?", "Card or Skrill."),
    ]
    assert _top_entry(entries, "which documents for verification?") == "documents"
    assert _top_entry(entries, "how long for verification of documents?") == "check-time"


def test_a_reported_problem_outweighs_the_offer_it_names() -> None:
    """ "My first deposit's welcome bonus never showed up" shares "first deposit" and
    "welcome" with the offer entry, but reports what the missing-bonus entry is for."""
    entries = [
        ("welcome", "What is the welcome bonus on my first deposit?", "100 % up to 200 EUR."),
        ("bonus-missing", "I didn't receive my bonus", "Bonuses appear within minutes."),
        ("payouts", "How long do payouts take?", "Up to 3 business days."),
    ]
    message = "made my first deposit but the welcome bonus never showed up"
    assert _top_entry(entries, message) == "bonus-missing"
    assert _top_entry(entries, "what welcome bonus is there on a first deposit?") == "welcome"


def test_an_entry_about_another_topic_gives_way_to_one_naming_the_message_topic(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """ "Minimum withdrawal and any fees?" shares "minimum" and "fees" with the deposit
    entry's question word for word, but the deposit entry never names a withdrawal and asks
    about deposits instead; an entry naming what the message names wins."""
    entries = [
        ("deposit-methods", "What is the minimum deposit and are there any fees?", "10 EUR."),
        (
            "withdrawal-limits",
            "Which withdrawal methods and limits do you have?",
            "Card or e-wallet; the minimum is 20 EUR, without fees.",
        ),
        ("payouts", "How long do payouts take?", "Up to 3 business days."),
    ]
    assert _top_entry(entries, "minimum withdrawal and any fees?") == "withdrawal-limits"
    assert _top_entry(entries, "what is the minimum deposit?") == "deposit-methods"
    monkeypatch.setattr(matcher, "OTHER_TOPIC_PENALTY", 0.0)
    assert _top_entry(entries, "minimum withdrawal and any fees?") == "deposit-methods"


def test_what_a_problem_is_about_is_the_topic_next_to_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """ "Bonus not credited after my deposit" names the deposit too, but what is missing is
    the bonus: the topic beside the stated problem pulls toward the entry reporting it, and
    the deposit beside it in "deposit not credited, it was for the bonus" the other way."""
    entries = [
        ("deposit-missing", "My deposit was not credited", "A deposit shows in minutes."),
        ("bonus-missing", "My bonus was not credited", "Tick the opt-in box first."),
        ("payouts", "How long do payouts take?", "Up to 3 business days."),
    ]

    def bonus_over_deposit(message: str) -> float:
        scores = {c.entry_id: c.score for c in _ranked(entries, message)}
        return scores["bonus-missing"] / scores["deposit-missing"]

    bonus_missing = "bonus not credited after my deposit"
    deposit_missing = "deposit not credited, it was for the bonus"
    with_subjects = bonus_over_deposit(bonus_missing), bonus_over_deposit(deposit_missing)
    monkeypatch.setattr(matcher, "PROBLEM_SUBJECT_REACH", 0)
    without = bonus_over_deposit(bonus_missing), bonus_over_deposit(deposit_missing)
    assert with_subjects[0] > without[0] and with_subjects[1] < without[1]


@pytest.mark.parametrize(
    ("entries", "message", "expected"),
    [
        pytest.param(
            [
                ("verification-time", "My check is still pending, is that normal?", "24 hours."),
                ("deposit-missing", "Deposit not credited", "Card payments show in minutes."),
                ("bonus-rules", "How do bonus rules work?", "Wager x35."),
            ],
            "deposited by card an hour ago and it is still not there, is that normal?",
            "deposit-missing",
            id="a deposit, worded like the status entry",
        ),
        pytest.param(
            [
                ("deposit-methods", "Can I deposit with a card or an e-wallet?", "Visa, Skrill."),
                ("deposit-missing", "Where is my deposit?", "Card payments show in minutes."),
                ("bonus-rules", "How do bonus rules work?", "Wager x35."),
            ],
            "I deposited with an e-wallet and it disappeared",
            "deposit-missing",
            id="something missing, worded like the methods entry",
        ),
    ],
)
def test_an_entry_that_never_names_the_message_topic_fits_it_less(
    entries: list[tuple[str, str, str]], message: str, expected: str
) -> None:
    """Lexicon topics: a message worded like one entry ("still not there, is that normal?",
    "deposit with an e-wallet") but about a deposit, or about something that went missing,
    goes to the entry that names that topic."""
    assert _top_entry(entries, message) == expected


def test_a_phrase_explains_all_its_words() -> None:
    """The phrase "w trakcie" (in progress) is the pending concept; "trakcie" adds no stem
    of its own, so a phrase weighs like the one idea it is."""
    featuriser = Featuriser(load_lexicon())
    features = featuriser.features(normalise("weryfikacja w trakcie").words, "pl")
    assert "c:pending" in features
    assert not any(f.startswith("w:trak") for f in features)


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("what is the lowest cash-out, I only have 19 euro left", "en"),
        ("ile minimalnie mogę wypłacić, zostało mi 18 zł", "pl"),
        ("какой минимальный вывод, у меня 18 евро", "ru"),
        ("wie viel muss ich mindestens auszahlen, ich habe 18 euro", "de"),
        ("quel est le retrait minimum, il me reste 18 euros", "fr"),
    ],
)
def test_a_sum_the_player_states_is_neither_a_currency_nor_an_age_question(
    text: str, lang: str
) -> None:
    """The lexicon's ``units``: "18 euro" right after a number states what the player
    has; it must not pull towards the currencies entry, nor "18" towards the age rule."""
    featuriser = Featuriser(load_lexicon())
    features = featuriser.features(normalise(text).words, lang)
    assert "c:withdrawal" in features and "c:minimum" in features
    assert "c:currency" not in features and "c:age" not in features


def test_a_currency_asked_about_and_an_age_stated_keep_their_concepts() -> None:
    featuriser = Featuriser(load_lexicon())
    assert "c:currency" in featuriser.features(normalise("can I play in euro?").words, "en")
    assert "c:age" in featuriser.features(normalise("I am 18, can I join?").words, "en")


def test_a_restarted_process_gives_every_message_the_same_score(tmp_path: Path) -> None:
    """Python seeds string hashing per process, so a set of features iterates in another
    order after a restart. Summed in that order, two equally close example questions
    swapped places, and this message scored 0.6138 or 0.6042 depending on the seed (7 and 9
    gave the second): the same player message must get the same decision every time."""
    questions = tmp_path / "questions.jsonl"
    questions.write_text(
        json.dumps(
            {
                "id": "a1",
                "text": "does anyone know if free spins run out? haven't had a chance to use them",
            }
        )
        + "\n",
        encoding="utf-8",
    )
    outputs = {
        subprocess.run(
            [sys.executable, "-m", "croupier.cli", "faq", "batch", str(questions)],
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            check=True,
            cwd=ROOT,
        ).stdout
        for seed in ("1", "7", "9")
    }
    assert len(outputs) == 1, outputs


def test_a_word_most_answers_use_does_not_make_the_one_title_with_it_a_sure_answer() -> None:
    """A terse FAQ names "play" in one title ("Setting play limits") and in most answers:
    "age to play?" asks about age (stated in the registration answer), so the limits entry
    must not reach answering confidence on "play" alone."""
    entries = [
        ("signup", "Creating an account", "Tap Sign Up. You must be 18 or older to play."),
        ("limits", "Setting play limits", "Set daily deposit and loss limits in Settings."),
        ("spins", "Free spins", "Play your free spins on the listed slots within 7 days."),
        ("races", "Tournaments", "Play the listed slots to earn leaderboard points."),
        ("wagering", "Wagering requirements", "Play the bonus through 35 times first."),
        ("payouts", "Withdrawal time", "Payouts take up to 3 business days."),
    ]
    top = _ranked(entries, "age to play?")[0]
    assert top.entry_id != "limits" or top.score < MatchSettings().clarify_floor


def test_a_terse_titles_answer_says_what_the_entry_covers() -> None:
    """One short title per entry: "Bonus not received" never says "promo code", its answer
    does, so a code that does not work belongs there and not to the welcome offer."""
    entries = [
        (
            "bonus-missing",
            "Bonus not received",
            "A bonus is added only if you entered the promo code before depositing "
            "and the code had not expired.",
        ),
        ("deposit-missing", "Deposit not showing", "Card deposits appear instantly."),
        ("welcome", "Welcome offer", "New players get 100% up to 200 EUR on the first deposit."),
        ("spins", "Free spins", "Free spins appear under My Bonuses for 7 days."),
        ("payouts", "Withdrawal time", "Payouts take up to 3 business days."),
    ]
    assert _top_entry(entries, "promo code not working") == "bonus-missing"


VERIFICATION_SIBLINGS = [
    (
        "papers",
        "Which documents do you accept for verification: passport, ID card, selfie?",
        "A passport or ID card, a selfie holding it and a utility bill.",
    ),
    ("check-time", "How long does verification take?", "We check your documents within 24 hours."),
    ("payouts", "How do I cash out?", "Choose a method in the Cashier."),
    ("spins", "Where are my free spins?", "Under My Bonuses."),
]


def test_how_long_goes_to_the_sibling_whose_questions_ask_it() -> None:
    """Two verification entries share their words; a player asking how long names the
    papers ("ID card", "selfie") that only the documents entry's questions list. The time
    entry asks how long, so it takes the question (INTENT_MISS_PENALTY); before, the first
    message went to the documents entry and the second was a clarify question."""
    assert (
        _top_entry(
            VERIFICATION_SIBLINGS, "how many hours until my ID card and selfie are checked?"
        )
        == "check-time"
    )
    top, runner_up, *_ = _ranked(
        VERIFICATION_SIBLINGS,
        "how many days do you usually need to check the passport and selfie people send?",
    )
    assert top.entry_id == "check-time"
    assert runner_up.score < MatchSettings().clarify_ratio * top.score
    assert (
        _top_entry(VERIFICATION_SIBLINGS, "which papers do you want, passport or ID card?")
        == "papers"
    )


BRAND_VOICE_FAQ = [
    ("joining", "Who may come aboard, and how long does sign-up take?", "Click Join."),
    ("stamped", "Papers in the post: when is your pass stamped?", "Within 24 hours."),
    ("ashore", "Raising the anchor: winnings ashore", "Choose a payout method."),
    ("gifts", "Gifts on the deck: the welcome package", "100% on a first deposit."),
    ("spins", "Free spins: where to find them", "Open My Bonuses."),
    ("races", "Weekend races on the slots", "Opt in on the Tournaments page."),
    ("limits", "Setting a deposit limit", "Settings > Safer play."),
    ("pause", "Taking a break or excluding yourself", "Choose a pause in Safer play."),
    ("key", "Lost your key? Resetting the password", "Click Forgot password."),
    ("coins", "Loading coins: deposit methods", "Visa, Mastercard and Skrill."),
]


def test_a_function_word_one_entry_happens_to_use_weighs_less_than_a_rare_content_word() -> None:
    """ "does" sits in one question only, as "anchor" does; weighed by rarity alone it
    outweighed "verification" in "how long does verification take?" and sent the message
    to sign-up (FUNCTION_WORD_SHARE). It still weighs something: a message of words the
    FAQ does not use is likelier about something else."""
    faq = Faq(
        entries=tuple(
            FaqEntry(id=entry_id, questions={"en": (question,)}, answer={"en": answer})
            for entry_id, question, answer in BRAND_VOICE_FAQ
        ),
        languages=("en",),
    )
    featuriser = Featuriser(load_lexicon())
    index = FaqIndex(faq, featuriser)
    (does,) = featuriser.features(("does",), "en")
    (anchor,) = featuriser.features(("anchor",), "en")
    assert featuriser.is_function_word(does) and not featuriser.is_function_word(anchor)
    weights = index._column_weights
    does_weight, anchor_weight = (weights[index._columns[name]] for name in (does, anchor))
    assert 0 < does_weight < anchor_weight


@pytest.mark.parametrize("word", ["какой", "сейчас", "этой", "которой", "её"])
def test_a_russian_function_word_with_a_short_i_or_yo_is_known_as_folded(word: str) -> None:
    """Messages are folded before stemming ("какой" is read as "какои", "ещё" as "еще"):
    the function words are known in that spelling too, not only as the list spells them."""
    featuriser = Featuriser(load_lexicon())
    words = normalise(word).words
    assert all(map(featuriser.is_function_word, featuriser.features(words, "ru")))
