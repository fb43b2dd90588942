"""The escalation model: a learned second opinion after the triage rules.

Trained here on small corpora of our own; the shipped model (trained on ``bench/sets``)
is checked to be current and to behave on messages written for these tests.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from bots.events import Event
from croupier.cli import main
from croupier.config import DEFAULT_BOT_TEXTS, DEFAULT_FAQ_DIR, load_settings
from croupier.decisions import DecisionParts, build_decider
from croupier.service import run_service
from faq.normalise import normalise
from faq.texts import load_bot_texts
from handlers.decide import Decider, DecisionKind, MatchSettings
from handlers.escalation_model import (
    DEFAULT_TRAINING_SETS,
    EscalationModel,
    LabelledMessage,
    ModelFileError,
    feature_ids,
    fingerprint,
    labelled_messages,
    question_files,
    train,
    with_rule_reasons,
)
from handlers.outcome import ConversationState
from handlers.respond import Responder

SMALL_CORPUS = [
    LabelledMessage("where is my money, third week of waiting, this is theft", "en", True),
    LabelledMessage("you stole my winnings, I am calling my lawyer", "en", True),
    LabelledMessage("my payout of 300 euro vanished, explain yourselves", "en", True),
    LabelledMessage("gdzie moje pieniądze, trzeci tydzień czekam", "pl", True),
    LabelledMessage("верните мои деньги, это воровство", "ru", True),
    LabelledMessage("how long does a payout take?", "en", False),
    LabelledMessage("which payment methods can I use?", "en", False),
    LabelledMessage("is there a welcome bonus for new players?", "en", False),
    LabelledMessage("jak długo trwa wypłata?", "pl", False),
    LabelledMessage("какие способы оплаты есть?", "ru", False),
]


@pytest.fixture(scope="module")
def small_model() -> EscalationModel:
    return train(SMALL_CORPUS)


@pytest.fixture(scope="module")
def shipped() -> EscalationModel:
    return EscalationModel.load()


@pytest.fixture(scope="module")
def decider(decision_parts: DecisionParts) -> Decider:
    return build_decider(DEFAULT_FAQ_DIR, decision_parts)[0]


def _probability(model: EscalationModel, text: str, lang: str) -> float:
    return model.probability(normalise(text), lang)


def test_training_separates_what_it_was_shown(small_model: EscalationModel) -> None:
    for message in SMALL_CORPUS:
        probability = _probability(small_model, message.text, str(message.lang))
        assert (probability >= 0.5) is message.needs_person, (message, probability)


def test_training_is_deterministic() -> None:
    first, second = train(SMALL_CORPUS), train(SMALL_CORPUS)
    assert np.array_equal(first.weights, second.weights)
    assert first.trained_on == second.trained_on


def test_a_saved_model_loads_with_the_same_probabilities(
    small_model: EscalationModel, tmp_path: Path
) -> None:
    path = tmp_path / "model.npz"
    small_model.save(path)
    loaded = EscalationModel.load(path)
    assert loaded.trained_on == small_model.trained_on
    for message in SMALL_CORPUS:
        assert _probability(loaded, message.text, "en") == pytest.approx(
            _probability(small_model, message.text, "en"), abs=1e-6
        )


def test_cyrillic_and_its_latin_spelling_share_features() -> None:
    """Character n-grams are taken from the transliterated word: "вывод" and "vyvod"
    meet, so translit messages learn from Cyrillic ones and back."""
    cyrillic = set(feature_ids(normalise("вывод"), "ru").tolist())
    latin = set(feature_ids(normalise("vyvod"), "ru").tolist())
    assert len(cyrillic & latin) >= len(cyrillic) // 2


def test_hostile_text_scores_without_error(small_model: EscalationModel) -> None:
    for text in (
        "",
        "🎰" * 500,
        "<script>alert(1)</script>",
        "\u202ewithdraw\u202c",
        "x" * 20_000,
    ):
        probability = _probability(small_model, text, "en")
        assert 0.0 <= probability <= 1.0


def test_labelled_sets_are_read_once_per_text_and_broken_lines_are_named(tmp_path: Path) -> None:
    good = tmp_path / "questions.jsonl"
    rows = [
        {"id": "a", "lang": "en", "text": "block my account please", "kind": "escalate"},
        {"id": "b", "lang": "en", "text": "how do I deposit?", "kind": "faq"},
        {"id": "c", "lang": "en", "text": "how do I deposit?", "kind": "faq"},
        {"id": "d", "lang": "en", "text": "hello", "kind": "greeting"},
    ]
    good.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    messages = labelled_messages([good])
    assert [(m.text, m.needs_person) for m in messages] == [
        ("block my account please", True),
        ("how do I deposit?", False),
        ("hello", False),
    ]
    broken = tmp_path / "broken.jsonl"
    broken.write_text('{"text": "hi", "kind": "faq"}\n{"text": "no kind"}\n', encoding="utf-8")
    with pytest.raises(ValueError, match=r"broken.jsonl:2:"):
        labelled_messages([broken])


def test_train_command_writes_a_loadable_model(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    set_dir = tmp_path / "sets" / "ours"
    set_dir.mkdir(parents=True)
    (set_dir / "questions.jsonl").write_text(
        "\n".join(
            json.dumps(
                {"text": m.text, "lang": m.lang, "kind": "escalate" if m.needs_person else "faq"}
            )
            for m in SMALL_CORPUS
        ),
        encoding="utf-8",
    )
    out = tmp_path / "model.npz"
    assert main(["triage", "train", str(tmp_path / "sets"), "--out", str(out)]) == 0
    assert "trained on 10 messages from 1 files (5 needing a person)" in capsys.readouterr().out
    assert EscalationModel.load(out).trained_on["fingerprint"] == fingerprint(SMALL_CORPUS)


def test_train_command_without_sets_is_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["triage", "train", str(tmp_path), "--out", str(tmp_path / "m.npz")]) == 2
    assert "no questions.jsonl" in capsys.readouterr().err


def test_shipped_model_was_trained_on_the_current_labelled_sets(shipped: EscalationModel) -> None:
    """Edit or add a set under bench/sets, then run ``croupier triage train``."""
    messages = labelled_messages(question_files([DEFAULT_TRAINING_SETS]))
    assert shipped.trained_on["fingerprint"] == fingerprint(messages)


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Please stop letting me log in, every night I tell myself just one more spin.", "en"),
        ("Why does my withdrawal keep bouncing back to pending, I've done everything?", "en"),
        ("Proszę zablokować mi dostęp, przegrywam wszystko co zarobię.", "pl"),
        ("Dlaczego anulowaliście moją wypłatę, skoro konto jest zweryfikowane?", "pl"),
        ("Заблокируйте меня пожалуйста, я проиграл всю зарплату.", "ru"),
        ("Ihr habt mir 300 Euro Gewinn gestrichen, ich will eine Erklärung.", "de"),
        ("Pourquoi mon retrait a été annulé alors que mon compte est vérifié ?", "fr"),
    ],
)
def test_shipped_model_flags_messages_that_need_a_person(
    shipped: EscalationModel, text: str, lang: str
) -> None:
    assert _probability(shipped, text, lang) >= MatchSettings.escalation_threshold


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("How do I set a deposit limit on my account?", "en"),
        ("Can I withdraw to a different card than the one I deposited with?", "en"),
        ("What documents do you need for verification?", "en"),
        ("Jak długo trwa weryfikacja konta?", "pl"),
        ("Сколько идет вывод на карту?", "ru"),
        ("Wie lange dauert eine Auszahlung auf PayPal?", "de"),
        ("Combien de temps prend un retrait ?", "fr"),
    ],
)
def test_shipped_model_leaves_faq_questions_alone(
    shipped: EscalationModel, text: str, lang: str
) -> None:
    assert _probability(shipped, text, lang) < 0.2


def test_a_plea_the_rules_let_through_is_escalated_with_the_reason_the_model_names(
    decider: Decider,
) -> None:
    """A player asking to be kept out, in words no self-exclusion rule has: the rules let
    it through, the model flags it and its reason head files it as gambling harm (so the
    player gets the harm holding reply), naming the words that tipped it."""
    text = "Please stop letting me log in, every night I tell myself just one more spin."
    decision = decider.decide(text)
    assert decision.kind is DecisionKind.ESCALATE and decision.reason == "gambling_harm"
    assert decision.evidence.startswith("escalation model ")
    assert decision.faq_id is None and decision.options == ()


def test_the_harm_holding_reply_reaches_a_plea_only_the_model_caught(
    decision_parts: DecisionParts,
) -> None:
    responder = Responder(
        build_decider(DEFAULT_FAQ_DIR, decision_parts)[0],
        load_bot_texts(DEFAULT_BOT_TEXTS)[0],  # type: ignore[arg-type]
        decision_parts.feedback_words,
    )
    event = Event(
        channel="webchat",
        platform_message_id="m1",
        conversation_key="c1",
        sender_id="p1",
        text="Please stop letting me log in, every night I tell myself just one more spin.",
    )
    outcome = responder.respond(
        event, ConversationState(id=1, channel="webchat", conversation_key="c1")
    )
    assert outcome.open_ticket_reason == "gambling_harm"
    assert outcome.replies[-1].text == responder.texts.get("holding_reply_harm", "en")


def test_threshold_one_switches_the_model_off(
    decider: Decider, decision_parts: DecisionParts
) -> None:
    text = "Why does my withdrawal keep bouncing back to pending, I've done everything?"
    assert decider.decide(text).evidence.startswith("escalation model ")
    off = build_decider(DEFAULT_FAQ_DIR, decision_parts, MatchSettings(escalation_threshold=1))[0]
    assert off.decide(text).kind in (DecisionKind.ANSWER, DecisionKind.CLARIFY)


def test_a_reply_to_a_clarify_question_is_not_second_guessed(decider: Decider) -> None:
    """Naming which of two offered entries was meant uses the topic's details (a card
    photo, front and back) that the model reads as a player's own case."""
    text = "I mean the payment card photo, front and back"
    assert decider.decide(text).evidence.startswith("escalation model ")
    assert not decider.decide(text, choosing=True).evidence.startswith("escalation model ")


def test_the_reason_head_learns_from_labelled_reasons() -> None:
    corpus = [
        *SMALL_CORPUS,
        LabelledMessage("please block me, I cannot stop playing", "en", True, "gambling_harm"),
        LabelledMessage("close my account, I lose everything", "en", True, "gambling_harm"),
        LabelledMessage("zablokujcie mnie, nie umiem przestać", "pl", True, "gambling_harm"),
        LabelledMessage("my lawyer will hear about this", "en", True, "legal_threat"),
        LabelledMessage("I am reporting you to the regulator", "en", True, "legal_threat"),
        LabelledMessage("zgłaszam was do prawnika", "pl", True, "legal_threat"),
    ]
    model = train(corpus)
    assert model.reasons == ("gambling_harm", "legal_threat")
    likely = model.likely_reason(normalise("please block me, I cannot stop"), "en")
    assert likely is not None and likely[0] == "gambling_harm" and likely[1] > 0.5
    likely = model.likely_reason(normalise("my lawyer and the regulator"), "en")
    assert likely is not None and likely[0] == "legal_threat"


def test_rule_reasons_label_only_messages_needing_a_person(decision_parts: DecisionParts) -> None:
    messages = [
        LabelledMessage("I want to talk to a human, not a bot", "en", True),
        LabelledMessage("how do I talk to support?", "en", False),
        LabelledMessage("xyzzy", "en", True),
    ]
    labelled = with_rule_reasons(messages, decision_parts.triage)
    assert [m.reason for m in labelled] == ["human_request", None, None]


def test_a_damaged_model_file_is_named_in_a_clear_error(tmp_path: Path) -> None:
    damaged = tmp_path / "model.npz"
    damaged.write_bytes(b"not a zip archive")
    with pytest.raises(ModelFileError, match=r"model\.npz: not a readable escalation model"):
        EscalationModel.load(damaged)
    with pytest.raises(ModelFileError, match=r"missing\.npz"):
        EscalationModel.load(tmp_path / "missing.npz")


def test_the_service_takes_a_retrained_model_from_config_and_refuses_a_broken_one(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    retrained = tmp_path / "ours.npz"
    train(SMALL_CORPUS).save(retrained)
    settings = load_settings({"CROUPIER_ESCALATION_MODEL": str(retrained)}, data_dir=tmp_path)
    assert settings.escalation_model == retrained
    assert DecisionParts.load(settings.escalation_model).escalation_model.trained_on[
        "fingerprint"
    ] == fingerprint(SMALL_CORPUS)
    broken = tmp_path / "broken.npz"
    broken.write_text("oops", encoding="utf-8")
    settings = load_settings({"CROUPIER_ESCALATION_MODEL": str(broken)}, data_dir=tmp_path)
    assert run_service(settings, demo=True) == 2
    assert "broken.npz: not a readable escalation model" in capfd.readouterr().err
