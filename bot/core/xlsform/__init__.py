"""XLSForm (KoboToolbox / ODK) surveys: reading them into the bot's survey model (issue 10)."""
