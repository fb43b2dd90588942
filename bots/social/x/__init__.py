"""X (Twitter): public mentions and Direct Messages of one support account, one channel."""

from bots.social.x.api import XAuthError, XRejected
from bots.social.x.channel import XChannel
from bots.social.x.convert import CHANNEL_NAME
from bots.social.x.settings import XSettings, x_settings_from

__all__ = ["CHANNEL_NAME", "XAuthError", "XChannel", "XRejected", "XSettings", "x_settings_from"]
