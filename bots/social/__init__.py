"""Adapters for social networks: public comments and private messages on Meta and X."""
