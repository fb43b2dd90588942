"""The moderator console: sign-in, the escalation queue, replies and closing."""
