"""Storage: SQLite through aiosqlite, schema migrations and the repositories over them."""
