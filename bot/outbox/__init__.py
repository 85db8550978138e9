"""Broadcasts: the sender that works through the durable outbox (bot/storage/outbox.py)."""
