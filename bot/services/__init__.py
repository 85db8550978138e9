"""Services: the use cases, joining the pure core to storage. No Telegram here."""
