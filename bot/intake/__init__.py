"""Updates from Telegram into the bot: stored first (queue), fetched by long polling (polling)."""
