"""Events as data: the model, the time zone of a place, the rules of a schedule, and the CSV
format staff use to load many at once. Pure: no Telegram, no storage."""
