"""The console's file listing and file names, channel-agnostic (pure functions)."""

from __future__ import annotations

from bots.events import Attachment, Event, EventKind
from croupier.console.attachments import attachments_json, safe_file_name
from croupier.store.models import EventStatus, StoredEvent


def stored(channel: str, *attachments: Attachment) -> StoredEvent:
    event = Event(
        channel=channel,
        platform_message_id="m1",
        conversation_key="c1",
        sender_id="p1",
        kind=EventKind.ATTACHMENT,
        attachments=attachments,
    )
    return StoredEvent(id=7, event=event, status=EventStatus.ESCALATED, conversation_id=3)


def test_files_of_a_channel_that_cannot_fetch_them_are_listed_without_a_link() -> None:
    events = [
        stored("telegram", Attachment(kind="photo", platform_file_id="AgAC1")),
        stored("facebook", Attachment(kind="photo", platform_file_id="https://cdn.example/x")),
    ]
    listed = attachments_json(12, events, lambda channel: channel == "telegram")
    assert [row["url"] for row in listed] == [
        "/console/api/tickets/12/events/7/attachments/0",
        None,
    ]
    assert all("cdn.example" not in str(row) for row in listed)


def test_only_safe_image_types_are_marked_for_inline_display() -> None:
    event = stored(
        "telegram",
        Attachment(kind="photo", platform_file_id="a"),
        Attachment(kind="document", platform_file_id="b", mime_type="image/png"),
        Attachment(kind="document", platform_file_id="c", mime_type="image/svg+xml"),
        Attachment(kind="document", platform_file_id="d", mime_type="text/html"),
    )
    listed = attachments_json(1, [event], lambda _channel: True)
    assert [row["inline"] for row in listed] == [True, True, False, False]
    assert [row["index"] for row in listed] == [0, 1, 2, 3]


def test_a_players_file_name_cannot_break_out_of_the_header() -> None:
    assert safe_file_name('a"; filename=evil.html', "document") == "a_filename_evil.html"
    assert safe_file_name("../../etc/passwd", "document") == "passwd"
    assert safe_file_name("выписка.pdf", "document") == "document.pdf"
    assert safe_file_name("..", "document") == "document"
    assert safe_file_name(None, "photo") == "photo"
    assert safe_file_name("x\r\nSet-Cookie: a=b", "document") == "x_Set-Cookie_a_b"
