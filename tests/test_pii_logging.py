"""Card numbers, IBANs, e-mails and phone numbers never reach the logs."""

from __future__ import annotations

import io
import logging

from hypothesis import given, settings
from hypothesis import strategies as st

from croupier.logging_setup import PiiMaskingFormatter, mask_pii
from tests.conftest import PlayerChat, examples


def test_mask_pii_masks_cards_ibans_emails_and_phones_but_not_amounts_or_dates() -> None:
    line = (
        "card 4111 1111 1111 1111, iban DE89 3704 0044 0532 0130 00, mail jan.kowalski@example.pl, "
        "phone +48 601 234 567, amount 2000 EUR, ticket 48213, on 2026-11-23 10:15"
    )
    masked = mask_pii(line)
    for secret in ("4111 1111 1111 1111", "DE89 3704", "jan.kowalski@example.pl", "601 234 567"):
        assert secret not in masked
    assert "[card ****1111]" in masked and "[iban]" in masked and "[email]" in masked
    assert (
        "amount 2000 EUR" in masked and "ticket 48213" in masked and "2026-11-23 10:15" in masked
    )


def test_non_luhn_digit_runs_are_not_called_cards() -> None:
    assert "[card" not in mask_pii("order 1234 5678 9012 3456")


async def test_player_pii_in_a_message_is_masked_in_the_service_log(player: PlayerChat) -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(PiiMaskingFormatter("%(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    old_level = root.level
    root.setLevel(logging.DEBUG)
    try:
        text = "my card 5555 5555 5555 4444 and mail anna@example.com, call +49 151 23456789"
        await player.say(text)
        await player.next_reply()
        logging.getLogger("croupier.test").info("player wrote: %s", text)
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)
    output = stream.getvalue()
    assert "player wrote:" in output
    assert "5555 5555 5555 4444" not in output
    assert "anna@example.com" not in output
    assert "23456789" not in output


# -- generated cards and IBANs (hypothesis) -----------------------------------------------


def _luhn_complete(body: str) -> str:
    """``body`` plus the check digit that makes it pass the Luhn check."""
    total = 0
    for index, char in enumerate(reversed(body)):
        value = int(char)
        if index % 2 == 0:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return body + str((10 - total % 10) % 10)


@st.composite
def card_numbers(draw: st.DrawFn) -> str:
    """A Luhn-valid card number of 13-19 digits, written as players write them."""
    length = draw(st.sampled_from([13, 15, 16, 16, 16, 19]))
    first = draw(st.sampled_from(["4", "51", "55", "37", "6011", "35"]))
    rest = draw(
        st.text(
            alphabet="0123456789",
            min_size=length - 1 - len(first),
            max_size=length - 1 - len(first),
        )
    )
    digits = _luhn_complete(first + rest)
    separator = draw(st.sampled_from(["", " ", "-"]))
    group = draw(st.sampled_from([4, 4, 5]))
    return separator.join(digits[i : i + group] for i in range(0, len(digits), group))


IBAN_LENGTHS = {"DE": 22, "PL": 28, "FR": 27, "GB": 22, "ES": 24, "NL": 18, "AT": 20}


@st.composite
def ibans(draw: st.DrawFn) -> str:
    """A mod-97-valid IBAN for a country players write from, grouped by 4 or not."""
    country = draw(st.sampled_from(sorted(IBAN_LENGTHS)))
    bban = draw(
        st.text(
            alphabet="0123456789",
            min_size=IBAN_LENGTHS[country] - 4,
            max_size=IBAN_LENGTHS[country] - 4,
        )
    )
    if country in ("GB", "NL"):
        bban = "ABCD" + bban[4:]  # their BBAN starts with the bank's letters
    numeric = "".join(str(int(c, 36)) for c in bban + country + "00")
    check = 98 - int(numeric) % 97
    iban = f"{country}{check:02d}{bban}"
    if draw(st.booleans()):
        iban = " ".join(iban[i : i + 4] for i in range(0, len(iban), 4))
    return iban


@settings(max_examples=examples(100))
@given(
    card=card_numbers(),
    before=st.sampled_from(["my card is ", "karta ", "Karte: ", "", "paid with "]),
    after=st.sampled_from(["", " thanks", ", exp 12/27", ". Why?"]),
)
def test_any_valid_card_number_is_masked(card: str, before: str, after: str) -> None:
    masked = mask_pii(f"{before}{card}{after}")
    digits = "".join(c for c in card if c.isdigit())
    assert card not in masked
    assert digits[:-4] not in "".join(c for c in masked if c.isdigit())


@settings(max_examples=examples(100))
@given(iban=ibans(), before=st.sampled_from(["IBAN ", "konto: ", "to ", ""]))
def test_any_valid_iban_is_masked(iban: str, before: str) -> None:
    masked = mask_pii(f"{before}{iban} please")
    assert iban not in masked
    compact = iban.replace(" ", "")
    assert compact[4:14] not in masked.replace(" ", "")
