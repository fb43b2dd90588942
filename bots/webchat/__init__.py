"""The local web chat: a player page on our own server, replies over a WebSocket."""
