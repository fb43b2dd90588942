"""Recognising a player's personal data in free text: card numbers, IBANs, e-mails, phones.

One set of patterns serves two jobs, so that what the logs mask and what the handlers
treat as exposed in public are the same thing: :func:`mask_personal_data` (log lines) and
:func:`find_personal_data` (a public comment that must be taken out of view). Cards count
only when they pass the Luhn check, so amounts, order numbers and dates stay untouched.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from enum import StrEnum


class PersonalData(StrEnum):
    CARD = "card"
    IBAN = "iban"
    EMAIL = "email"
    PHONE = "phone"


CARD_PATTERN = re.compile(r"\b(?:\d[ -]?){12,18}\d\b")
IBAN_PATTERN = re.compile(r"\b[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]){11,30}\b", re.IGNORECASE)
EMAIL_PATTERN = re.compile(r"\b[\w.+-]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63})+\b")
PHONE_PATTERN = re.compile(
    r"(?<![\w+])(?:\+\d[\d ()./-]{6,}\d|(?!\d{4}-\d\d-\d\d)\d(?:[ ()./-]?\d){8,14})\b"
)


def luhn_ok(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 1:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def _card_digits(candidate: str) -> str | None:
    """The digits of a real-looking card number (13–19 digits, Luhn), else None."""
    digits = re.sub(r"\D", "", candidate)
    return digits if 13 <= len(digits) <= 19 and luhn_ok(digits) else None


def _scan(text: str, found: set[PersonalData]) -> str:
    """Mask in a fixed order (e-mail, IBAN, card, phone) and note which kinds were there.

    The order matters: a card or IBAN masked first is not seen again as a phone number.
    """

    def replace_with(kind: PersonalData, mask: str) -> Callable[[re.Match[str]], str]:
        def replace(match: re.Match[str]) -> str:
            found.add(kind)
            return mask

        return replace

    def replace_card(match: re.Match[str]) -> str:
        digits = _card_digits(match.group(0))
        if digits is None:
            return match.group(0)
        found.add(PersonalData.CARD)
        return f"[card ****{digits[-4:]}]"

    text = EMAIL_PATTERN.sub(replace_with(PersonalData.EMAIL, "[email]"), text)
    text = IBAN_PATTERN.sub(replace_with(PersonalData.IBAN, "[iban]"), text)
    text = CARD_PATTERN.sub(replace_card, text)
    return PHONE_PATTERN.sub(replace_with(PersonalData.PHONE, "[phone]"), text)


def mask_personal_data(text: str) -> str:
    """``text`` with every card, IBAN, e-mail and phone replaced by a marker."""
    return _scan(text, set())


def find_personal_data(text: str) -> frozenset[PersonalData]:
    """Which kinds of personal data ``text`` exposes (empty when none)."""
    found: set[PersonalData] = set()
    _scan(text, found)
    return frozenset(found)
