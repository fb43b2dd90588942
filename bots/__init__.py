"""Channel adapters and the one normalized event vocabulary they share."""
