"""berdaya-bot: the Berdaya Bersama Telegram bot."""
