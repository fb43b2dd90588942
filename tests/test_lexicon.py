"""The domain lexicon: player words in many languages meet on shared concepts.

Example words here are our own, chosen to pin behaviour (languages, inflection, slang,
translit, typos, false friends); they are not taken from any evaluation set.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import pytest

from faq.common_words import DEFAULT_COMMON_WORDS, derive
from faq.lexicon import DEFAULT_LEXICON, Lexicon, LexiconError, load_lexicon
from faq.matcher import Featuriser
from faq.normalise import ascii_key, fold, normalise
from faq.yaml_lines import parse_yaml


@cache
def lexicon() -> Lexicon:
    return load_lexicon()


def concepts(word: str) -> frozenset[str]:
    return lexicon().concepts_of_word(ascii_key(fold(word)))


def text_concepts(text: str) -> set[str]:
    """Every concept of a text's words and phrases (the words' own concepts included)."""
    keys = tuple(ascii_key(w) for w in normalise(text).words)
    words = {c for key in keys for c in lexicon().concepts_of_word(key)}
    return words | {hit.concept for hit in lexicon().phrase_concepts(keys)}


def assert_each_names(concept: str, *texts: str) -> None:
    missing = [text for text in texts if concept not in text_concepts(text)]
    assert not missing, missing


# ------------------------------------------------------------------ one concept, many languages

FIVE_LANGUAGES = {
    "withdrawal": ["cashout", "withdrawals", "wypłaty", "вывод", "Auszahlung", "retrait"],
    "deposit": ["deposit", "wpłata", "пополнение", "Einzahlung", "dépôt"],
    "verification": [
        "verification",
        "weryfikacji",
        "верификация",
        "Verifizierung",
        "vérification",
    ],
    "document": ["passport", "dowód", "паспорт", "Personalausweis", "passeport"],
    "proof_of_address": ["address", "wyciąg", "выписка", "Wohnsitznachweis", "domicile"],
    "selfie": ["selfie", "selfika", "селфи", "Gesicht", "visage"],
    "fee": ["fees", "prowizja", "комиссия", "Gebühren", "frais"],
    "minimum": ["minimum", "minimalna", "минимальный", "Mindestbetrag", "minimale"],
    "bonus": ["bonuses", "bonusu", "бонусы", "Prämie", "bonus"],
    "welcome": ["welcome", "powitalny", "приветственный", "Willkommensangebot", "bienvenue"],
    "first": ["first", "pierwszej", "первый", "ersten", "première"],
    "wagering": ["rollover", "obrotu", "отыгрыш", "Umsatzbedingungen", "mise"],
    "free_spins": ["freespins", "spinów", "фриспины", "Freispiele", "tours"],
    "tournament": ["tournaments", "turnieju", "турнир", "Turniere", "tournoi"],
    "prize": ["prizes", "nagrody", "призы", "Preisgeld", "récompenses"],
    "registration": ["registration", "rejestracja", "регистрация", "registrieren", "inscription"],
    "password": ["password", "hasło", "пароль", "Passwort", "mdp"],
    "age": ["adult", "pełnoletni", "возраст", "volljährig", "majeur"],
    "country": ["countries", "kraju", "страны", "Länder", "pays"],
    "support": ["support", "obsługa", "поддержка", "Kundenservice", "assistance"],
    "availability": ["nonstop", "całodobowo", "круглосуточно", "Öffnungszeiten", "horaires"],
    "language": ["language", "język", "язык", "Sprache", "langue"],
    "responsible_gambling": [
        "self-exclusion",
        "samowykluczenie",
        "самоисключение",
        "Selbstausschluss",
        "autoexclusion",
    ],
    "expiry": ["expire", "wygasają", "сгорают", "verfallen", "expirent"],
    "contribution": ["contribute", "wliczają", "засчитываются", "angerechnet", "contribuent"],
    "credited": ["credited", "zaksięgowana", "зачислили", "gutgeschrieben", "crédité"],
    "duration": ["when", "kiedy", "когда", "wann", "quand"],
}


@pytest.mark.parametrize("concept", sorted(FIVE_LANGUAGES))
def test_core_concepts_are_reached_from_en_pl_ru_de_fr(concept: str) -> None:
    missing = [w for w in FIVE_LANGUAGES[concept] if concept not in concepts(w)]
    assert not missing, f"{concept}: {missing}"


def test_withdrawal_words_in_five_languages_share_one_concept() -> None:
    words = ["withdraw", "wypłacić", "вывести", "auszahlen", "retirer"]
    assert all(concepts(w) == {"withdrawal"} for w in words)


def test_cheap_extra_languages_are_covered() -> None:
    assert "withdrawal" in concepts("виведення")  # uk
    assert "withdrawal" in concepts("prelievo")  # it
    assert "deposit" in concepts("depósito")  # es
    assert "verification" in concepts("ověření")  # cs


# ------------------------------------------------------------------ spelling variants


def test_russian_translit_matches_cyrillic_term() -> None:
    for translit, concept in [
        ("vyvod", "withdrawal"),
        ("vivod", "withdrawal"),
        ("popolnenie", "deposit"),
        ("verifikaciya", "verification"),
        ("frispiny", "free_spins"),
        ("otygrysh", "wagering"),
        ("podderzhka", "support"),
        ("zachislili", "credited"),
        ("promokod", "promo_code"),
    ]:
        assert concept in concepts(translit), translit


def test_russian_casino_slang_is_understood() -> None:
    for slang, concept in [
        ("деп", "deposit"),
        ("депнул", "deposit"),
        ("вериф", "verification"),
        ("верифа", "verification"),
        ("фс", "free_spins"),
        ("вейджер", "wagering"),
        ("кэшаут", "withdrawal"),
        ("вывел", "withdrawal"),
        ("закинул", "deposit"),
    ]:
        assert concept in concepts(slang), slang


def test_polish_without_diacritics_matches() -> None:
    for plain, concept in [
        ("wyplata", "withdrawal"),
        ("wplacilem", "deposit"),
        ("haslo", "password"),
        ("zaksiegowane", "credited"),
        ("oplata", "fee"),
        ("dowod", "document"),
    ]:
        assert concept in concepts(plain), plain


def test_german_umlaut_and_ue_spellings_match() -> None:
    for spelling in ("Gebühr", "gebuhr", "gebuehr"):
        assert "fee" in concepts(spelling)
    for spelling in ("Überweisung", "uberweisung", "ueberweisung"):
        assert "payment_method" in concepts(spelling)


def test_french_accents_are_optional() -> None:
    assert concepts("vérification") == concepts("verification")
    assert "deposit" in concepts("depot")


def test_inflections_are_caught_by_prefixes() -> None:
    for word in ("wypłaty", "wypłatę", "wypłacie", "wypłacicie"):
        assert "withdrawal" in concepts(word), word
    for word in ("выводу", "выводом", "выводе"):
        assert "withdrawal" in concepts(word), word


def test_one_typo_in_long_word_still_matches() -> None:
    assert "withdrawal" in concepts("withdrwal")
    assert "withdrawal" in concepts("auszahlugn")
    assert "verification" in concepts("verificaton")


def test_short_unknown_words_are_not_guessed() -> None:
    assert concepts("dopo") == frozenset()
    assert concepts("bonu") == frozenset()


def test_common_abbreviations() -> None:
    assert "verification" in concepts("KYC")
    assert "free_spins" in concepts("FS")
    assert "withdrawal" in concepts("wd")
    assert "password" in concepts("pw")
    assert "availability" in text_concepts("support 24/7")


def test_wagering_multiplier_is_recognised_either_way_round() -> None:
    assert "wagering" in concepts("x35")
    assert "wagering" in concepts("40x")
    assert "wagering" not in concepts("x")
    assert "wagering" not in concepts("xbox")


def test_multiword_terms_match_consecutive_words() -> None:
    assert "password" in text_concepts("j'ai oublié mon mot de passe")
    assert "withdrawal" in text_concepts("when can I cash out")
    assert "free_spins" in text_concepts("darmowe obroty")
    assert "password" not in text_concepts("mot passe de")


def test_polish_age_question_in_either_case_is_about_age() -> None:
    """Both "ile lat" and the genitive after "od" ("od ilu lat") ask the same thing."""
    assert "age" in text_concepts("ile lat trzeba mieć")
    assert "age" in text_concepts("od ilu lat wolno")


def test_german_age_question_with_the_dative_is_about_age() -> None:
    """ "ab wie vielen Jahren" (from how many years) asks the minimum age too."""
    assert "age" in text_concepts("ab wie vielen Jahren darf man spielen")


def test_bonus_for_new_players_is_the_welcome_concept_in_five_languages() -> None:
    assert_each_names(
        "welcome",
        "any signup bonus for me?",
        "co dostaje nowy gracz?",
        "бонус новому игроку есть?",
        "gibt es einen Anmeldebonus?",
        "un bonus d'inscription ?",
    )


def test_foreign_travel_passport_is_a_document() -> None:
    assert "document" in concepts("загранпаспорт")
    assert "document" in concepts("zagranpasporta")


def test_french_retirable_is_about_withdrawal() -> None:
    assert "withdrawal" in concepts("retirable")


def test_asking_why_is_one_concept_in_five_languages() -> None:
    """A question like "why must I verify first?" differs from "which documents?" by its why."""
    for word in ("why", "dlaczego", "czemu", "почему", "pochemu", "warum", "wieso", "pourquoi"):
        assert concepts(word) == {"reason"}, word
    assert "reason" in text_concepts("how come my bonus is gone")


def test_everyday_english_for_deposit_and_missing() -> None:
    assert "deposit" in text_concepts("how little can I put in")
    assert "missing" in text_concepts("the free spins never showed up")


def test_everyday_english_for_accounts_limits_and_cashing_out() -> None:
    assert "registration" in text_concepts("can I make an account from Malta")
    assert "accept" in text_concepts("do you take Skrill")
    assert {"maximum", "withdrawal", "period"} <= text_concepts("the most I can take out per day")


def test_a_phone_bill_is_proof_of_address_not_a_phone_line() -> None:
    assert concepts("Handyrechnung") == {"proof_of_address"}
    assert concepts("Telefonrechnung") == {"proof_of_address"}


def test_german_compounds_carry_every_part() -> None:
    assert {"welcome", "bonus"} <= concepts("Willkommensbonus")
    assert {"minimum", "deposit"} <= concepts("Mindesteinzahlung")
    assert {"withdrawal", "limit"} <= concepts("Auszahlungslimit")


def test_country_names_in_local_inflections_are_countries() -> None:
    for word in ("Österreich", "Niemczech", "Германии", "Belgique", "Canada"):
        assert "country" in concepts(word), word


# ------------------------------------------------------------------ false friends


def test_retirement_is_not_withdrawal() -> None:
    assert "withdrawal" not in concepts("retirement")
    assert "withdrawal" not in concepts("retiring")


def test_automatically_is_not_slot_machines() -> None:
    assert "slots" not in concepts("automatically")
    assert "slots" in concepts("automaty")
    assert "slots" in concepts("автоматы")


def test_french_comptent_counts_towards_wagering_not_account() -> None:
    assert concepts("comptent") == {"contribution"}
    assert "account" in concepts("compte")


def test_russian_udalos_is_not_account_deletion() -> None:
    assert "close_account" not in concepts("удалось")
    assert "close_account" in concepts("удалить")


def test_greeting_day_words_are_not_durations() -> None:
    for word in ("день", "dzień", "Tag", "jour"):
        assert "duration" not in concepts(word), word


def test_more_of_something_is_not_a_wait_but_still_and_not_yet_are() -> None:
    """ "jeszcze" and "ещё" alone mean "more" as often as "still"."""
    for text in ("czy trzeba jeszcze wyciąg z banku?", "нужен ещё счёт за свет?"):
        assert "pending" not in text_concepts(text), text
    assert_each_names(
        "pending", "przelew jeszcze nie doszedł", "всё ещё на проверке", "все еще жду"
    )


def test_the_check_as_a_noun_is_verification() -> None:
    assert_each_names("verification", "how long does the check take", "is the id check done")
    assert "verification" not in text_concepts("where do I check my balance")


def test_russian_registration_slang_is_registration() -> None:
    assert_each_names("registration", "регаюсь с телефона", "как регаться", "вчера регался")


def test_supported_currencies_is_not_customer_support() -> None:
    assert "support" in concepts("support")
    assert "support" not in concepts("supported")


def test_ordinary_words_are_not_domain_words() -> None:
    assert "loss" not in concepts("strategy")
    assert "other" not in concepts("innerhalb")


def test_french_your_is_not_a_crypto_coin() -> None:
    assert "crypto" not in concepts("ton")
    assert "currency" not in concepts("try")


def test_a_word_of_one_language_is_its_concept_only_in_that_language() -> None:
    """German "Land" is a country, English "land" is money arriving; French "pays" is a
    country, English "pays out" a payout. With no language detected, both readings stay."""
    featuriser = Featuriser(lexicon())

    def features(text: str, lang: str | None) -> set[str]:
        return featuriser.features(normalise(text).words, lang)

    assert "c:country" not in features("when will my cashout land?", "en")
    assert "c:country" in features("mein Land fehlt in der Liste", "de")
    assert "c:country" in features("land", None)
    assert "c:withdrawal" in features("how fast it pays out", "en")
    assert "c:country" not in features("how fast it pays out", "en")
    assert "c:country" in features("depuis quel pays ?", "fr")
    assert "c:first" in features("mon premier retrait", "fr")
    assert features("premier league odds", "en").isdisjoint({"c:first", "c:bonus"})


@pytest.mark.parametrize("term", ["land@deu", "age limit@en", "land*@de", "@de"])
def test_a_language_term_must_be_one_word_and_a_language_code(tmp_path: Path, term: str) -> None:
    path = tmp_path / "lexicon.yaml"
    path.write_text(f"concepts:\n  country:\n    - country\n    - '{term}'\n", encoding="utf-8")
    with pytest.raises(LexiconError, match=r"lexicon\.yaml:4: .* 'land@de'"):
        load_lexicon(path)


def test_getting_winnings_out_in_the_players_words_is_a_withdrawal() -> None:
    """After a deposit story ("paid in with paysafecard") the question is how the money
    comes out: said this way it must name the withdrawal, or the deposit entry wins."""
    featuriser = Featuriser(lexicon())
    for text, lang in [
        ("wie krieg ich meinen Gewinn raus?", "de"),
        ("comment je récupère mes gains ?", "fr"),
        ("je récupère mes sous comment ?", "fr"),
        ("can I have my winnings sent to my bank?", "en"),
    ]:
        assert "c:withdrawal" in featuriser.features(normalise(text).words, lang), text


def test_a_bare_no_read_as_a_yes_no_value_is_an_error_with_the_line(tmp_path: Path) -> None:
    """YAML reads a bare ``no`` as false: the negation list silently lost "no" (and gained
    "false") until the loader refused it."""
    path = tmp_path / "lexicon.yaml"
    path.write_text("concepts:\n  negation:\n    - not\n    - no\n", encoding="utf-8")
    with pytest.raises(LexiconError, match=r"lexicon\.yaml:4: 'negation' has a yes/no value"):
        load_lexicon(path)
    path.write_text("concepts:\n  negation:\n    - not\n    - 'no'\n", encoding="utf-8")
    assert load_lexicon(path).concepts_of_word("no") == {"negation"}
    path.write_text("plain_words:\n  - stuff\n  - off\nconcepts:\n  a: [b]\n", encoding="utf-8")
    with pytest.raises(LexiconError, match=r"lexicon\.yaml:3: 'plain_words' has a yes/no value"):
        load_lexicon(path)


def test_a_whole_phrase_replaces_what_its_words_mean_alone() -> None:
    """An age limit is no limit a player sets, an identity card no payment card and a
    driving licence no law; an ordinary phrase ("withdrawal limit") keeps its words'."""
    featuriser = Featuriser(lexicon())

    def features(text: str, lang: str) -> set[str]:
        return featuriser.features(normalise(text).words, lang)

    assert "c:age" in features("is there an age limit for playing?", "en")
    assert "c:limit" not in features("is there an age limit for playing?", "en")
    assert "c:limit" not in features("jaki jest limit wieku?", "pl")
    assert "c:minimum" not in features("what's the minimum age to sign up?", "en")
    assert "c:age" in features("what's the minimum age to sign up?", "en")
    assert "c:payment_method" not in features("ma carte d'identité suffit ?", "fr")
    assert "c:law" not in features("is a driving licence ok as ID?", "en")
    assert "c:pending" not in features("dowód wystarczy czy trzeba coś jeszcze?", "pl")
    assert "c:other" in features("паспорт подойдет или еще что-то?", "ru")
    assert "c:pending" in features("weryfikacja jeszcze trwa?", "pl")
    assert "c:code" not in features("le formulaire bloque sur le code postal", "fr")
    assert "c:email" not in features("форма не принимает почтовый индекс", "ru")
    assert "c:limit" in features("what is the withdrawal limit per day?", "en")
    assert "c:limit" in features("can I set a deposit limit?", "en")


@pytest.mark.parametrize("term", ["limit!", "age limit*!"])
def test_only_a_phrase_of_whole_words_can_be_whole(tmp_path: Path, term: str) -> None:
    path = tmp_path / "lexicon.yaml"
    path.write_text(f"concepts:\n  age:\n    - age\n    - '{term}'\n", encoding="utf-8")
    with pytest.raises(LexiconError, match=r"lexicon\.yaml:4: .* only a phrase of whole words"):
        load_lexicon(path)


def test_an_arrival_denied_right_after_a_negation_is_something_missing() -> None:
    """ "Not received" is what a missing-payment entry says, in whatever words; an arrival
    that is merely asked about, or a negation far from it, is not."""
    featuriser = Featuriser(lexicon())

    def features(text: str, lang: str) -> set[str]:
        return featuriser.features(normalise(text).words, lang)

    for text, lang in [
        ("the cashback still hasn't been received", "en"),
        ("free spins didnt get credited", "en"),
        ("przelew nie dotarł do kasyna", "pl"),
        ("кэшбэк так и не пришёл", "ru"),
        ("der Bonus ist nicht angekommen", "de"),
        ("je n'ai toujours pas reçu mes tours gratuits", "fr"),
    ]:
        assert "c:missing" in features(text, lang), text
    for text, lang in [
        ("topped up via revolut and nothing has been credited", "en"),
        ("nichts angekommen seit gestern", "de"),
        ("ничего не зачислилось", "ru"),
        # a bare "no", and an arrival a phrase names ("show up")
        ("made a deposit, no reload bonus showed up", "en"),
        ("the cashback didnt show up", "en"),
        # a negation just after the arrival
        ("der Bonus kam nicht an", "de"),
        ("topped up and got nothing", "en"),
    ]:
        assert "c:missing" in features(text, lang), text
    # "added" is an arrival too, in each language's word for it
    for text, lang in [
        ("the reload bonus wasnt added to my balance", "en"),
        ("cashback nie został dodany", "pl"),
        ("кэшбэк так и не добавили", "ru"),
        ("die Freispiele wurden nicht hinzugefügt", "de"),
        ("le cashback n'a pas été ajouté", "fr"),
    ]:
        assert "c:missing" in features(text, lang), text
    assert "c:missing" not in features("when will the cashback be received?", "en")
    assert "c:missing" not in features("no rush, but has it been received?", "en")


def test_a_bonus_that_is_not_there_is_missing_but_one_that_cannot_be_withdrawn_is_not() -> None:
    """ "Deposited and no bonus" reports a missing bonus in every language; "why can't I
    withdraw my bonus money" asks about wagering, though a negation stands near the bonus
    (read as missing, it sent 14 more wagering questions to the missing-bonus entry)."""
    featuriser = Featuriser(lexicon())

    def features(text: str, lang: str) -> set[str]:
        return featuriser.features(normalise(text).words, lang)

    for text, lang in [
        ("deposited 20 and no bonus on my account", "en"),
        ("ich sehe keinen Bonus auf dem Konto", "de"),
        ("dépôt fait et pas de bonus de bienvenue", "fr"),
        ("пополнил, а бонуса нет", "ru"),
    ]:
        assert {"c:missing", "p:bonus"} <= features(text, lang), text
    for text, lang in [
        ("why can't I withdraw my bonus money?", "en"),
        ("warum kann ich mein Bonusgeld nicht auszahlen?", "de"),
        ("почему не могу вывести бонусные?", "ru"),
        ("is there a no deposit bonus?", "en"),
    ]:
        assert "c:missing" not in features(text, lang), text


def test_a_negation_denies_nothing_in_the_next_sentence() -> None:
    """ "Noch nicht eingezahlt. Wie erhalte ich den Bonus?" asks how to get the bonus:
    nothing failed to arrive. The same words in one sentence still say it did."""
    featuriser = Featuriser(lexicon())

    def features(text: str, lang: str) -> set[str]:
        norm = normalise(text)
        return featuriser.features(norm.words, lang, norm.sentence_starts)

    for text, lang in [
        ("I haven't deposited. Got a bonus for signing up anyway?", "en"),
        ("Jeszcze nie wpłaciłem. Dostanę bonus na start?", "pl"),
        ("Ещё не пополнял. Получу бонус за регистрацию?", "ru"),
        ("Noch nicht eingezahlt. Wie erhalte ich den Bonus?", "de"),
        ("Je n'ai pas déposé. Je reçois quand le bonus ?", "fr"),
    ]:
        assert "c:missing" not in features(text, lang), text
    assert "c:missing" in features("nicht eingezahlt, erhalte ich den Bonus", "de")
    assert "c:missing" in features("the bonus was 1.5x and did not arrive", "en")


@pytest.mark.parametrize(
    ("concepts", "negated", "complaint"),
    [
        (
            "negation: [not]",
            "negated:\n  credited: lost\n",
            r":6: 'credited: lost' .* two concepts",
        ),
        ("negation: [not]", "negated: [credited]\n", r":5: 'negated' needs a mapping"),
        ("absent: [not]", "negated:\n  credited: missing\n", r":5: .* needs a 'negation' concept"),
    ],
)
def test_negated_names_two_concepts_and_errors_give_the_line(
    tmp_path: Path, concepts: str, negated: str, complaint: str
) -> None:
    path = tmp_path / "lexicon.yaml"
    head = f"concepts:\n  {concepts}\n  credited: [received]\n  missing: [gone]\n"
    path.write_text(head + negated, encoding="utf-8")
    with pytest.raises(LexiconError, match=rf"lexicon\.yaml{complaint}"):
        load_lexicon(path)


def test_payment_apps_and_nationalities_name_their_concepts() -> None:
    assert_each_names("payment_method", "can I pay with venmo", "cashapp?", "cash app ok?")
    assert "c:money" not in Featuriser(lexicon()).features(("cash", "app"), "en")
    assert_each_names("country", "can aussies join", "are irish players accepted", "brits?")


# ------------------------------------------------------------------ the file itself


def _raw_terms() -> list[tuple[str, str]]:
    document = parse_yaml(DEFAULT_LEXICON.read_text(encoding="utf-8"))
    return [(str(c), str(t)) for c, terms in document["concepts"].items() for t in terms]


def test_lexicon_file_loads_with_many_concepts() -> None:
    assert 30 <= len(lexicon().concepts) <= 120


def test_concept_names_are_generic_not_faq_entry_ids() -> None:
    for name in lexicon().concepts:
        assert re.fullmatch(r"[a-z]+(_[a-z]+)*", name), name


def test_no_term_names_a_particular_casino() -> None:
    assert not [t for _, t in _raw_terms() if "lucky" in t.lower() or "orbit" in t.lower()]


def test_prefix_marks_only_end_single_words() -> None:
    bad = [t for _, t in _raw_terms() if not t.startswith("/") and "*" in t.rstrip("*")]
    bad += [t for _, t in _raw_terms() if " " in t.strip() and t.endswith("*")]
    assert not bad, bad


def test_hyphenated_terms_are_written_as_phrases() -> None:
    # Messages split "top-up" into two words, so a glued one-word term could never match.
    bad = [t for _, t in _raw_terms() if not t.startswith("/") and re.search(r"\w-\w", t)]
    assert not bad, bad


def test_phrase_list_stays_small_for_speed() -> None:
    # Phrases are looked up by their first word at every position of a message, so the
    # cost grows with phrases sharing a first word; keep the list a curated few hundred
    # (bench/decide_speed.py, shipped FAQ: p50 296 µs, p99 506 µs at 305 and 388 phrases;
    # 300 µs and 511 µs at 425; 307 µs and 535 µs at 515; at 542, beside 515 on the
    # same, slower machine in session 21, the same within noise).
    assert len(lexicon().phrases) <= 560
    assert len(lexicon().patterns) <= 5


def test_setting_a_limit_is_settings_in_every_language() -> None:
    for text in (
        "set a limit",
        "ustawić limit",
        "установить лимит",
        "Limit setzen",
        "mettre une limite",
    ):
        assert {"settings", "limit"} <= text_concepts(text), text


def test_start_means_beginning_not_a_typo_of_staat() -> None:
    assert concepts("start") == {"begin"}
    assert "welcome" in text_concepts("jaki bonus jest na start")


def test_a_balance_in_any_polish_case_is_a_balance() -> None:
    for word in ("saldo", "salda", "saldzie", "saldem"):
        assert concepts(word) == {"balance"}, word


def test_german_compounds_are_read_as_both_words() -> None:
    for word, expected in (
        ("Auszahlungsgebühren", {"withdrawal", "fee"}),
        ("Verifizierungsdauer", {"verification", "duration"}),
        ("Auszahlungen", {"withdrawal"}),
    ):
        assert concepts(word) == expected, word


def test_intents_must_name_concepts_and_errors_give_the_line(tmp_path: Path) -> None:
    path = tmp_path / "lexicon.yaml"
    path.write_text(
        "intents: [duration, reason]\nconcepts:\n  duration: [how long]\n", encoding="utf-8"
    )
    with pytest.raises(
        LexiconError, match=r"lexicon\.yaml:1: 'reason' in intents is not a concept"
    ):
        load_lexicon(path)


def test_shipped_intents_are_how_long_why_without_and_still_pending() -> None:
    """ "can I cash out without ID?" asks about the "without" above all."""
    assert lexicon().intents == {"duration", "reason", "without", "pending"}


def test_shipped_topics_include_money_in_and_out_and_verification() -> None:
    assert {"deposit", "withdrawal", "verification", "bonus"} <= lexicon().topics
    assert not lexicon().topics & lexicon().intents


def test_a_withdrawal_limit_is_the_payout_maximum_in_five_languages() -> None:
    """Not the limits a player sets on their own play (responsible gambling)."""
    for text in (
        "daily withdrawal limit?",
        "jaki limit wypłaty",
        "лимит на вывод",
        "Auszahlungslimit pro Tag",
        "limite de retrait",
    ):
        assert {"maximum", "withdrawal"} <= text_concepts(text), text


def test_age_limit_and_how_old_ask_about_age() -> None:
    assert_each_names(
        "age",
        "any age restriction?",
        "how old must I be",
        "limit wiekowy",
        "со скольки лет пускаете?",
        "wie alt muss ich sein",
        "limite d'âge",
    )


def test_everyday_english_for_funding_reaching_support_and_the_clock() -> None:
    assert "deposit" in text_concepts("can I fund it with a voucher")
    assert "withdrawal" in text_concepts("can I pull out my winnings")
    assert "phone" in text_concepts("is there a number to ring")
    assert "support" in text_concepts("how do I get in touch")
    assert "availability" in text_concepts("anyone there at 2am?")


def test_what_a_player_already_sent_is_told_apart_from_how_to_send() -> None:
    """A player writing "I uploaded my passport" narrates; "how do I upload?" asks how."""
    for told in ("uploaded", "wysłałem", "отправил", "hochgeladen", "envoyé"):
        assert concepts(told) == {"sent"}, told
    for asked in ("upload", "wysłać", "отправить", "hochladen", "envoyer"):
        assert concepts(asked) == {"send"}, asked


def test_the_channels_support_is_reached_by_name_support() -> None:
    """Asking whether live chat or a hotline is open asks about support, even where the
    support entry never says "chat"."""
    assert_each_names(
        "support", "is live chat 24/7?", "czat działa w nocy?", "чат работает ночью?", "Hotline?"
    )


def test_available_alone_is_not_about_opening_hours() -> None:
    """Asking which methods are available is about methods, not when support is open."""
    assert "availability" not in text_concepts("which payment methods are available")
    assert "availability" in text_concepts("is support available at night")


def test_getting_ones_own_money_back_is_a_withdrawal() -> None:
    assert_each_names(
        "withdrawal",
        "why can't I have my own money",
        "chcę odebrać własne pieniądze",
        "верните свои же деньги",
        "Geld rausholen",
        "récupérer mes gains",
    )


def test_everyday_english_shorthand_names_its_concept() -> None:
    assert_each_names("account", "do I need an acct for this")
    assert_each_names("free_spins", "where are my freebies")
    assert_each_names("deposit", "can I load up with a card")


def test_everyday_words_are_not_read_as_typos_of_terms() -> None:
    """The lexicon's ``plain_words``: "sent my stuff for checking" is not about staff."""
    assert concepts("stuff") == frozenset()
    assert "support" in concepts("staff")
    assert concepts("fiver") == frozenset()  # five pounds, not the French "fixer" (a limit)


@pytest.mark.parametrize(
    ("word", "not_read_as"),
    [
        ("apple", "phone"),  # Apple Pay, not the French "appel" (a call)
        ("police", "terms"),  # the police, not the terms' "policy"
        ("have", "negation"),
        ("werden", "negation"),
        ("comment", "begin"),  # the French "how", not "commence"
        ("person", "document"),
    ],
)
def test_a_word_in_everyday_use_is_not_read_as_a_typo_of_a_term(
    word: str, not_read_as: str
) -> None:
    """``faq/common_words.txt``: words frequent in one of our languages (wordfreq) are
    words, not misspellings, however close to a term."""
    assert not_read_as not in concepts(word)
    assert not_read_as in lexicon().typo_of(ascii_key(word))  # one edit away indeed


def test_real_typos_of_terms_are_still_read_as_those_terms() -> None:
    assert "withdrawal" in concepts("widthdrawal")
    assert "verification" in concepts("verifcation")
    assert "phone" in concepts("telefone")


def test_the_shipped_common_words_match_the_lexicon() -> None:
    """Editing the lexicon changes which everyday words sit one edit from a term:
    rewrite the list with `croupier faq common-words`, then `croupier faq learn`."""
    shipped = DEFAULT_COMMON_WORDS.read_text(encoding="utf-8").split()
    assert shipped == derive(lexicon())


def test_signing_up_is_registering_and_signing_in_is_logging_in() -> None:
    """ "signing" is one letter from "signin": alone it read as logging in."""
    featuriser = Featuriser(lexicon())
    signing_up = featuriser.features(normalise("what do I get for signing up").words, "en")
    assert "c:registration" in signing_up
    assert "c:login" not in signing_up
    signing_in = featuriser.features(normalise("signing in says wrong password").words, "en")
    assert "c:login" in signing_in


def test_identity_cards_in_players_shorthand_are_documents() -> None:
    """German "Perso" for the Personalausweis; French "d'identité" typed without the
    apostrophe."""
    assert "document" in concepts("perso")
    assert_each_names("document", "la carte didentite suffit ?", "reicht der Perso?")


def test_casual_english_for_paying_in_taking_out_and_the_minimum() -> None:
    assert_each_names("deposit", "can I put some money in with paysafe?")
    assert_each_names("withdrawal", "how do I get my winnings out", "I pulled out 50 yesterday")
    assert_each_names("minimum", "what's the least I can cash out?")


def test_casual_english_for_spins_expiry_opening_hours_and_logins() -> None:
    assert_each_names("free_spins", "do my free rounds still work?")
    assert_each_names("expiry", "do they run out after a while?")
    assert_each_names("availability", "are you open on sundays?")
    assert_each_names("login", "it keeps saying wrong credentials")


def test_money_a_bonus_paid_is_named_apart_from_the_bonus() -> None:
    """ "Why can't I cash out my bonus money?" is about wagering (every labelled FAQ's
    wagering entry speaks of it), not verification before a first payout; not a topic, so
    "my bonus money never came" still fits the not-credited entry."""
    assert_each_names(
        "bonus_funds",
        "why can't I cash out the bonus funds?",
        "czemu nie mogę wypłacić środków bonusowych",
        "бонусные деньги не выводятся",
        "mein Bonusguthaben lässt sich nicht auszahlen",
        "je ne peux pas retirer mon argent bonus",
    )
    assert "bonus_funds" not in lexicon().topics


def test_the_first_deposit_is_no_first_of_anything() -> None:
    """The first deposit is what a welcome offer pays on; the phrase gives up the word
    "first", which otherwise leads to the first-withdrawal verification entry."""
    featuriser = Featuriser(lexicon())
    for text, lang in [
        ("what do I get for the first deposit?", "en"),
        ("co dostanę za pierwszą wpłatę?", "pl"),
        ("что дают за первый депозит?", "ru"),
        ("was gibt es für die erste Einzahlung?", "de"),
        ("quelle offre pour le premier dépôt ?", "fr"),
    ]:
        features = featuriser.features(normalise(text).words, lang)
        assert {"c:first_deposit", "c:deposit"} <= features, text
        assert "c:first" not in features, text


def test_a_zero_balance_and_is_that_normal_and_faster_are_read() -> None:
    assert_each_names("missing", "paid by blik, saldo 0", "баланс 0 после депозита")
    assert_each_names("duration", "still pending, is that normal?", "czy to normalne?")
    assert_each_names("duration", "wypłata na kartę jest szybsza?")


def test_what_joining_earns_is_the_welcome_offer() -> None:
    """ "What do I get for joining?" asks what the offer is, not how to sign up: the phrase
    replaces the word's registration."""
    featuriser = Featuriser(lexicon())
    for text, lang in [
        ("what's in it for joining?", "en"),
        ("co jest za rejestrację?", "pl"),
        ("что дают за регистрацию?", "ru"),
    ]:
        features = featuriser.features(normalise(text).words, lang)
        assert "c:welcome" in features and "c:registration" not in features, text


def test_asking_whether_a_check_went_through_is_a_status_and_the_wait_a_duration() -> None:
    """ "Où je vois si mes docs sont validés ?" asks a status (the verification-time entry),
    not which documents; "ile się czeka", "wie lang" and "hoe lang" ask how long."""
    assert_each_names(
        "pending",
        "where can I see if my ID was accepted?",
        "gdzie sprawdzę czy dokumenty przeszły?",
        "как узнать, прошла ли проверка?",
        "wo seh ich ob die Dokumente durch sind?",
        "comment savoir si mes papiers sont acceptés ?",
    )
    assert_each_names("duration", "ile się czeka na wypłatę?", "hoe lang duurt het?")
    featuriser = Featuriser(lexicon())
    assert "c:duration" in featuriser.features(normalise("wie lang dauert das").words, "de")


def test_what_newcomers_call_a_bonus_is_a_bonus() -> None:
    """Players new to casinos say "a gift" or "the extra money" where staff say bonus."""
    assert_each_names(
        "bonus",
        "is there a gift for new people?",
        "how do I get the extra money?",
        "jest jakiś prezent na start?",
        "а подарок новичкам есть?",
        "gibt es ein Geschenk zum Start?",
        "il y a un cadeau pour commencer ?",
    )


def test_russian_withdrawal_verbs_in_the_present_and_future_are_withdrawals() -> None:
    """ "Вывожу" was one edit from "ввожу" (enter) and read as typing a code."""
    assert_each_names("withdrawal", "первый раз вывожу", "когда выведут деньги?")
    assert_each_names("payment_method", "вывод на визу")
    assert_each_names("duration", "сколько обычно идет?")


def test_words_one_edit_from_a_term_that_mean_something_else_stay_plain() -> None:
    """ "Turnaround" is no tournament, "прошлой" (last) nothing credited, "Betrüger"
    (crooks) no amount: the lexicon's ``plain_words`` are never read as typos."""
    featuriser = Featuriser(lexicon())
    for text, lang in [
        ("typical KYC turnaround?", "en"),
        ("на прошлой неделе", "ru"),
        ("ihr Betrüger", "de"),
    ]:
        concepts = {f for f in featuriser.features(normalise(text).words, lang) if f[:2] == "c:"}
        assert concepts <= {"c:verification", "c:period"}, (text, concepts)


def test_a_reminder_of_how_long_one_plays_is_a_session_reminder_not_a_password() -> None:
    """A reminder of the time played is the responsible-gambling session reminder, though
    "przypomnieć" and "erinnern" are also how players ask for a forgotten password."""
    assert_each_names(
        "session",
        "remind me every hour how long i played",
        "chce zeby mi przypominalo ile czasu gram",
        "пусть напоминает сколько я играю",
        "das Spiel erinnert mich nicht, wie lange ich schon spiele",
    )


def test_another_casino_compared_with_is_no_other_method_to_ask_about() -> None:
    """ "Elsewhere it takes five minutes" says where the player compares, not that they ask
    for another method; "another card" still asks for one."""
    featuriser = Featuriser(lexicon())

    def features(text: str) -> set[str]:
        return featuriser.features(normalise(text).words, None)

    for text in (
        "at my other casino cashouts take an hour",
        "w innych kasynach bonus jest bez obrotu",
        "в другом казино вывод за 10 минут",
        "bei anderen Casinos geht das sofort",
        "dans les autres casinos c'est gratuit",
    ):
        assert "c:elsewhere" in features(text) and "c:other" not in features(text), text
    assert "c:other" in features("can I cash out to another card?")


def test_how_long_to_wait_in_russian_is_a_duration() -> None:
    assert_each_names("duration", "сколько ещё ждать вывода?", "сколько надо ждать проверку")


def test_a_letters_salutation_sign_off_and_signed_name_say_nothing_asked() -> None:
    """No FAQ uses "Dear Sir or Madam" or "Z poważaniem, Ryszard"; as unknown words they
    diluted every score of a polite letter, so they go, and a name signed after them too."""
    featuriser = Featuriser(lexicon())

    def features(text: str) -> set[str]:
        return featuriser.features(normalise(text).words, None)

    letters = {
        "Dear Sir or Madam, how do I withdraw? Kind regards, Harold Finch": "how do I withdraw",
        "Szanowni Państwo, jak wypłacić? Z poważaniem, Ryszard": "jak wypłacić",
        "Здравствуйте! Как вывести деньги? С уважением, Пётр Ильич": "Как вывести деньги",
        "Sehr geehrte Damen und Herren, wie zahle ich aus? Mit freundlichen Grüßen, Gisela": (
            "wie zahle ich aus"
        ),
        "Madame, Monsieur, comment retirer ? Cordialement, Jacques": "comment retirer",
    }
    for letter, question in letters.items():
        assert features(letter) == features(question), letter
    # a last word that names something stays ("thanks, and the bonus?")
    assert "c:bonus" in features("Many thanks, bonus")


def test_money_not_in_the_account_is_missing() -> None:
    """ "It isn't in my account" reports the same problem as "it never arrived"."""
    assert_each_names(
        "missing",
        "the bonus isnt in my account",
        "überweisung gemacht, ist noch nicht auf dem spielkonto",
        "деньги списались, а на балансе нет",
        "le dépôt est pas sur mon compte",
    )
