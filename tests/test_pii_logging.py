"""Card numbers, IBANs, e-mails and phone numbers never reach the logs."""

from __future__ import annotations

import io
import logging

from croupier.logging_setup import PiiMaskingFormatter, mask_pii
from tests.conftest import PlayerChat


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
