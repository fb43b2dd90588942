"""The FAQ: files content staff edit, their validation, and the pure matcher over them."""
