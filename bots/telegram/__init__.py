"""Telegram adapter: Bot API updates in (webhook or long polling), messages out."""
