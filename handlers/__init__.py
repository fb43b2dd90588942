"""Decisions about an event: triage, FAQ answer, clarify, escalate, conversation state."""
