"""Survey results, pure: tallies of choice answers, small-group suppression, the most common
words of free-text answers, and bar charts drawn as PNG. Knows nothing of Telegram or SQL: the
results service reads counts from storage and hands them here."""
