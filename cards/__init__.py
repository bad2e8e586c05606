"""Renderers: neutral view models → Block Kit (Slack), Adaptive Cards (Teams), plain text."""
