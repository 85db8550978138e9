"""The pure core: survey model and engine, regions, formatting rules. Knows nothing of Telegram."""
