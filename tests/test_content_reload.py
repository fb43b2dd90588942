"""Content staff save files while the service runs: good edits go live, broken ones don't."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest

from croupier.app import Croupier
from tests.conftest import PlayerChat, faq_answer


async def _wait_for(predicate, seconds: float = 10.0) -> None:  # type: ignore[no-untyped-def]
    for _ in range(int(seconds / 0.05)):
        if predicate():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("condition not reached in time")


async def test_broken_faq_edit_keeps_last_good_faq_live_and_reports_path_line(
    croupier: Croupier, player: PlayerChat, faq_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    version = croupier.content.status.version
    broken = faq_dir / "support.yaml"
    text = broken.read_text(encoding="utf-8")
    broken.write_text(text + "\n- id: [this is not closed\n", encoding="utf-8")
    lines = broken.read_text(encoding="utf-8").count("\n")

    with caplog.at_level(logging.ERROR):
        await _wait_for(lambda: bool(croupier.content.status.last_error))
    assert croupier.content.status.version == version
    assert croupier.content.status.last_error[0].startswith(f"{broken}:{lines}: invalid YAML")
    assert f"{broken}:{lines}: invalid YAML" in caplog.text

    await player.say("what are your support hours?")
    reply = await player.next_reply()
    assert reply["text"] == faq_answer(croupier, "support-contact", "en")


async def test_good_faq_edit_goes_live_without_restart(
    croupier: Croupier, player: PlayerChat, faq_dir: Path
) -> None:
    (faq_dir / "vip.yaml").write_text(
        """\
- id: vip-club
  questions:
    en: ["how do I join the VIP club?", "VIP programme invitation", "vip status levels"]
  answer:
    en: "Our VIP club is by invitation; we write to players personally."
""",
        encoding="utf-8",
    )
    await _wait_for(lambda: croupier.content.status.entries == 17)
    assert croupier.content.status.last_error == []
    await player.say("how can I join the VIP club?")
    reply = await player.next_reply()
    assert reply["text"] == faq_answer(croupier, "vip-club", "en")
