"""A fake Telegram for tests, the terminal simulator and benchmarks. Not used in production."""
