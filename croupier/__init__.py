"""Croupier's runtime: configuration, wiring, CLI, web server, store and outbox."""
