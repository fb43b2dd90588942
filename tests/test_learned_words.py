"""Learned words: player words the lexicon lacks, read as the concepts they go with.

Learned here from small example sets of our own; the shipped table (learned from
``bench/sets``) is checked to be current and to help on a message written for these tests.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from croupier.cli import main
from croupier.config import DEFAULT_FAQ_DIR, load_settings
from croupier.decisions import DecisionParts
from croupier.service import run_service
from faq.learned_words import (
    DEFAULT_LEARNED_WORDS,
    Example,
    LearnedWords,
    LearnedWordsError,
    examples_from_sets,
    fingerprint,
    learn,
    pairs_of,
    set_directories,
)
from faq.lexicon import load_lexicon
from faq.loader import load_faq_dir
from faq.matcher import FaqIndex, Featuriser
from faq.model import Faq, FaqEntry
from faq.normalise import normalise
from handlers.decide import DecisionKind
from handlers.escalation_model import DEFAULT_TRAINING_SETS

DOCUMENTS = frozenset({"c:document", "c:verification"})
DEPOSIT = frozenset({"c:deposit", "c:payment_method"})
BONUS = frozenset({"c:bonus", "c:welcome"})


def _example(words: str, entry: frozenset[str], concepts: tuple[str, ...] = ()) -> Example:
    features = frozenset(f"w:{w}" for w in words.split()) | frozenset(concepts)
    return Example(words, features, entry)


EXAMPLES = [
    # "proof" always goes with the documents entry; "the" goes with every entry alike
    _example("what proof the", DOCUMENTS),
    _example("proof ok the", DOCUMENTS),
    _example("is my proof fine", DOCUMENTS),
    _example("which proof", DOCUMENTS),
    _example("the topup ways", DEPOSIT),
    _example("topup the card", DEPOSIT),
    _example("topup options", DEPOSIT),
    _example("what do i get the", BONUS),
    _example("the freebie", BONUS),
    _example("signup gift", BONUS),
    _example("signup present", BONUS),
    _example("welcome gift", BONUS),
    _example("anything for joining", BONUS),
    # "docs" only ever comes with the documents concept named outright beside it
    _example("docs", DOCUMENTS, ("c:document", "c:verification")),
    _example("my docs", DOCUMENTS, ("c:document", "c:verification")),
    _example("docs ok", DOCUMENTS, ("c:document", "c:verification")),
]


def test_a_word_that_goes_with_one_topic_is_learned_and_one_that_goes_with_all_is_not() -> None:
    learned = learn(EXAMPLES)
    assert learned.concepts["w:proof"] == ("c:document", "c:verification")
    assert learned.concepts["w:topup"] == ("c:deposit", "c:payment_method")
    assert "w:the" not in learned.concepts
    assert "w:freebie" not in learned.concepts  # seen once: too little to go on


def test_a_word_beside_the_concept_named_outright_learns_nothing_from_it() -> None:
    assert "w:docs" not in learn(EXAMPLES).concepts


def test_only_short_messages_teach() -> None:
    """In a long message most words are its story, not its question: "cousin" beside three
    dozen words of an e-mail says nothing about the tournament entry it was labelled with."""
    tournament = frozenset({"c:tournament"})
    story = " ".join(f"filler{n}" for n in range(30))
    long_ones = [_example(f"my cousin {story} {n}", tournament) for n in range(4)]
    short_ones = [_example(f"my cousin {n}", tournament) for n in range(4)]
    assert "w:cousin" not in learn(EXAMPLES + long_ones).concepts
    assert learn(EXAMPLES + short_ones).concepts["w:cousin"] == ("c:tournament",)


WITHDRAWAL = frozenset({"c:withdrawal", "c:payment_method"})


def _with_pairs(text: str, entry: frozenset[str]) -> Example:
    words = tuple(text.split())
    features = frozenset(f"w:{w}" for w in words) | pairs_of(words)
    return Example(text, features, entry)


def test_a_word_pair_that_means_more_than_its_words_is_learned() -> None:
    """ "take out" is a withdrawal though neither "take" nor "out" is."""
    examples = [
        *EXAMPLES,
        _with_pairs("can i take out my winnings", WITHDRAWAL),
        _with_pairs("how do i take out", WITHDRAWAL),
        _with_pairs("take out to skrill", WITHDRAWAL),
        _with_pairs("take a break please", frozenset()),  # needed a person
        _with_pairs("can i take the bonus", BONUS),
        _with_pairs("should i take the welcome offer", BONUS),
        _with_pairs("out of luck again", frozenset()),
        _with_pairs("is the new tournament out", frozenset({"c:tournament"})),
        _with_pairs("my spins ran out", frozenset({"c:free_spins"})),
    ]
    learned = learn(examples)
    assert learned.concepts["p:take_out"] == ("c:payment_method", "c:withdrawal")
    assert "w:take" not in learned.concepts and "w:out" not in learned.concepts


def test_a_pair_as_common_in_messages_for_a_person_as_in_questions_is_not_learned() -> None:
    """Messages that needed a person name no entry: "still not" goes with disputes."""
    examples = [
        *EXAMPLES,
        _with_pairs("deposit still not there", DEPOSIT),
        _with_pairs("still not credited deposit", DEPOSIT),
        _with_pairs("topup still not showing", DEPOSIT),
        _with_pairs("my 300 euro still not paid", frozenset()),
        _with_pairs("still not paid after 5 weeks", frozenset()),
        _with_pairs("withdrawal still not here this is theft", frozenset()),
    ]
    assert "p:still_not" not in learn(examples).concepts


def test_a_learned_pair_counts_even_where_the_faq_uses_both_words() -> None:
    learned = LearnedWords({"p:take_out": ("c:withdrawal",), "w:take": ("c:deposit",)})
    known = {"w:take": 0, "w:out": 1, "c:withdrawal": 2, "c:deposit": 3}
    added = learned.concepts_for({"w:take", "w:out"}, ("take", "out"), known)
    assert added == (set(), {"c:withdrawal"})  # "take" is the FAQ's own word: it adds nothing


def test_a_pair_weighs_by_how_much_of_the_message_the_faq_does_not_know() -> None:
    """A clear question in the FAQ's own words stays as it reads ("what is" once learned
    spurious concepts and turned such questions into clarify questions); a chatty one,
    full of words the FAQ lacks, takes the pair's concepts."""
    plain, learned = _without_and_with({"p:can_i": ("c:document",)})
    faq = _two_entry_faq("What do I upload?")
    clear = "how can I deposit"
    assert _scores(faq, learned, clear) == _scores(faq, plain, clear)
    chatty = "yo so how can i uh do the thingy lol"
    assert _scores(faq, learned, chatty)["documents"] > _scores(faq, plain, chatty).get(
        "documents", 0.0
    )


def test_learning_twice_writes_the_same_file_and_it_reads_back(tmp_path: Path) -> None:
    first, second = tmp_path / "first.json", tmp_path / "second.json"
    learn(EXAMPLES).save(first)
    learn(list(EXAMPLES)).save(second)
    assert first.read_bytes() == second.read_bytes()
    loaded = LearnedWords.load(first)
    assert loaded.concepts == learn(EXAMPLES).concepts
    assert loaded.trained_on["fingerprint"] == fingerprint(EXAMPLES)


def test_a_damaged_or_missing_file_is_named_in_a_clear_error(tmp_path: Path) -> None:
    damaged = tmp_path / "words.json"
    damaged.write_text('{"words": [', encoding="utf-8")
    with pytest.raises(LearnedWordsError, match=r"words\.json: not a readable learned-words"):
        LearnedWords.load(damaged)
    with pytest.raises(LearnedWordsError, match=r"missing\.json"):
        LearnedWords.load(tmp_path / "missing.json")


def _two_entry_faq(documents_question: str) -> Faq:
    return Faq(
        (
            FaqEntry(
                id="documents",
                questions={"en": (documents_question, "Which documents verify my account?")},
                answer={"en": "A passport or ID card and a proof of address."},
            ),
            FaqEntry(
                id="deposits",
                questions={"en": ("How can I deposit?", "Which payment methods can I use?")},
                answer={"en": "Cards, bank transfer and e-wallets."},
            ),
        ),
        ("en",),
    )


def _without_and_with(table: dict[str, tuple[str, ...]]) -> tuple[Featuriser, Featuriser]:
    lexicon = load_lexicon()
    return Featuriser(lexicon), Featuriser(lexicon, LearnedWords(table))


def _scores(faq: Faq, featuriser: Featuriser, message: str) -> dict[str, float]:
    ranked = FaqIndex(faq, featuriser).rank(normalise(message), "en")
    return {candidate.entry_id: candidate.score for candidate in ranked}


def test_a_learned_concept_counts_only_for_a_word_the_faq_does_not_use() -> None:
    plain, learned = _without_and_with({"w:wotsit": ("c:document",)})
    message = "what wotsit do you want from me"
    terse = _two_entry_faq("What do I upload?")
    assert _scores(terse, learned, message)["documents"] > _scores(terse, plain, message).get(
        "documents", 0.0
    )
    # an FAQ that uses the word itself matches it as a word, as without the table
    own_word = _two_entry_faq("Which wotsit do I upload?")
    assert _scores(own_word, learned, message) == _scores(own_word, plain, message)


def test_a_learned_concept_the_faq_never_names_changes_nothing() -> None:
    plain, learned = _without_and_with({"w:wotsit": ("c:tournament",)})
    faq = _two_entry_faq("What do I upload?")
    message = "what wotsit do you want from me"
    assert _scores(faq, learned, message) == _scores(faq, plain, message)


def test_the_shipped_table_was_learned_from_the_current_sets_and_lexicon() -> None:
    """Edit a set under bench/sets, a set's FAQ or the lexicon, then run
    ``croupier faq learn``."""
    shipped = LearnedWords.load(DEFAULT_LEARNED_WORDS)
    default_faq = load_faq_dir(DEFAULT_FAQ_DIR).faq
    assert default_faq is not None
    examples = examples_from_sets(
        set_directories([DEFAULT_TRAINING_SETS]), Featuriser(load_lexicon()), default_faq
    )
    assert shipped.trained_on["fingerprint"] == fingerprint(examples)


def test_a_chatty_question_in_words_the_faq_never_uses_is_answered(
    decision_parts: DecisionParts,
) -> None:
    faq = load_faq_dir(DEFAULT_FAQ_DIR).faq
    assert faq is not None
    # "thing", "one time deal": words no entry uses. (Until the 37th set, this test asked
    # "so i wanna get my winnings out, what ways are there", answered only thanks to what
    # "wanna" had happened to learn; it is now offered as a choice of two withdrawal entries.)
    message = "is the id thing a one time deal or every cashout?"
    decision = decision_parts.decider(faq).decide(message)
    assert (decision.kind, decision.faq_id) == (
        DecisionKind.ANSWER,
        "withdrawal-first-verification",
    )
    without_table = replace(decision_parts, featuriser=Featuriser(decision_parts.lexicon))
    assert without_table.decider(faq).decide(message).kind is not DecisionKind.ANSWER


def _labelled_set(directory: Path) -> Path:
    """A set read against the shipped FAQ: players asking for documents their own way, and
    others asking about deposits."""
    directory.mkdir(parents=True)
    asked = [
        ("verification-documents", "which wotsit do you need"),
        ("verification-documents", "is a wotsit enough"),
        ("verification-documents", "wotsit for kyc?"),
        ("deposit-methods", "how can i pay in"),
        ("deposit-methods", "can i top up with a card"),
        ("deposit-methods", "do you take skrill"),
        ("deposit-methods", "paypal ok?"),
    ]
    lines = [
        {"id": f"q{i}", "lang": "en", "kind": "faq", "gold": gold, "accept": [gold], "text": text}
        for i, (gold, text) in enumerate(asked)
    ]
    (directory / "questions.jsonl").write_text(
        "\n".join(json.dumps(line) for line in lines) + "\n", encoding="utf-8"
    )
    return directory


def test_the_learn_command_writes_a_table_the_service_takes_from_config(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    sets = tmp_path / "sets"
    _labelled_set(sets / "ours")
    out = tmp_path / "words.json"
    assert main(["faq", "learn", str(sets), "--out", str(out)]) == 0
    assert "from 7 labelled messages in 1 sets" in capfd.readouterr().out
    wotsit = LearnedWords.load(out).concepts["w:wotsit"]
    assert wotsit
    settings = load_settings({"CROUPIER_LEARNED_WORDS": str(out)}, data_dir=tmp_path)
    assert settings.learned_words == out
    parts = DecisionParts.load(settings.escalation_model, settings.learned_words)
    known = dict.fromkeys(wotsit, 0)
    from_words, _ = parts.featuriser.learned_concepts({"w:wotsit"}, ("wotsit",), known)
    assert from_words == set(wotsit)
    broken = tmp_path / "broken.json"
    shutil.copy(out, broken)
    broken.write_text(broken.read_text(encoding="utf-8")[:40], encoding="utf-8")
    settings = load_settings({"CROUPIER_LEARNED_WORDS": str(broken)}, data_dir=tmp_path)
    assert run_service(settings, demo=True) == 2
    assert "broken.json: not a readable learned-words file" in capfd.readouterr().err


def test_the_learn_command_without_sets_is_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["faq", "learn", str(tmp_path), "--out", str(tmp_path / "w.json")]) == 2
    assert "no questions.jsonl" in capsys.readouterr().err
