"""Mutated platform deliveries through the real, signed webhook endpoints.

The parser-level fuzz (tests/test_fuzz_parsers.py) keeps Telegram updates within
Telegram's schema; here anything goes (wrong types, missing required fields, odd Unicode,
huge strings, deep nesting) for Telegram, Meta and X, properly signed so it reaches the
parsers. Every delivery must get 200 (stored, or ignored on purpose), 400 or 413,
never a 5xx, and everything stored must end answered, escalated or dead-lettered.
"""

from __future__ import annotations

import asyncio
import json

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.all_channels import ENDS, Service
from tests.conftest import examples
from tests.test_fuzz_parsers import mutated, payload
from tests.test_webhook_chaos import unfinished

SAMPLES = (
    [
        ("telegram", name)
        for name in ("private_text", "callback_query", "group_mention", "photo", "channel_comment")
    ]
    + [
        ("meta", name)
        for name in ("messenger_text", "page_feed_comment", "instagram_comment", "quick_reply")
    ]
    + [("x", name) for name in ("activity_mention", "activity_direct_messages")]
)


@settings(max_examples=examples(40))
@given(data=st.data())
async def test_mutated_signed_deliveries_get_200_or_400_and_nothing_is_left_half_done(
    service: Service, data: st.DataObject
) -> None:
    platform, sample = data.draw(st.sampled_from(SAMPLES))
    document = data.draw(mutated(payload(platform, sample)))
    try:
        body = json.dumps(document).encode()
    except (RecursionError, ValueError):
        return
    post = {"telegram": service.post_telegram, "meta": service.post_meta, "x": service.post_x}
    response = await post[platform](body)
    assert response.status in (200, 400, 413), (platform, sample, response.status)
    for _ in range(200):  # settles in milliseconds; the bound only stops a hang
        if unfinished(service.database) == 0:
            break
        await asyncio.sleep(0.02)
    assert all(status in ENDS for *_, status in service.events())
