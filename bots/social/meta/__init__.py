"""Facebook Page and Instagram: Messenger/Instagram DMs and public comments, one channel."""

from bots.social.meta.channel import (
    InMemoryPrivateReplyLedger,
    MetaChannel,
    PrivateReplyLedger,
    StoredPrivateReplyLedger,
)
from bots.social.meta.convert import CHANNEL_NAME, Surface
from bots.social.meta.graph import ChannelAuthError, GraphRejected
from bots.social.meta.settings import MetaSettings

__all__ = [
    "CHANNEL_NAME",
    "ChannelAuthError",
    "GraphRejected",
    "InMemoryPrivateReplyLedger",
    "MetaChannel",
    "MetaSettings",
    "PrivateReplyLedger",
    "StoredPrivateReplyLedger",
    "Surface",
]
