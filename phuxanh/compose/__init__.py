"""Turning themes and facts into items: drafts, card values, captions, quality checks,
feeds and hand-written items."""
