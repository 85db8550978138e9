"""Telegram handlers for everything that is not a multi-step conversation."""
