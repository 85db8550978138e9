"""Everything held about one person, read table by table (/dataku's JSON file), and the
retention of the kinds of personal data no feature purges on its own.

`PERSONAL` names every table that holds a person's rows and how they are found: a table added
later that holds a person's id must be added here too, or tests/test_erasure_walk.py (which
walks every table after /hapusdata) and tests/test_data_export.py fail.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime
from typing import Any, Final

from bot.storage.database import Database
from bot.storage.timefmt import to_db

# Table -> the query for one person's rows (one `?`: their Telegram id). Columns are all of the
# table's (`*`), so a column added later is in the file without a change here.
PERSONAL: Final = {
    "users": "SELECT * FROM users WHERE id = ?",
    "consents": "SELECT * FROM consents WHERE user_id = ? ORDER BY id",
    "responses": "SELECT * FROM responses WHERE user_id = ? ORDER BY id",
    "answers": "SELECT a.* FROM answers a JOIN responses r ON r.id = a.response_id "
    "WHERE r.user_id = ? ORDER BY a.response_id, a.answered_at",
    "registrations": "SELECT * FROM registrations WHERE user_id = ? ORDER BY id",
    "reminders_sent": "SELECT s.* FROM reminders_sent s "
    "JOIN registrations r ON r.id = s.registration_id WHERE r.user_id = ?",
    "event_wishes": "SELECT * FROM event_wishes WHERE user_id = ? ORDER BY id",
    "wishes_told": "SELECT * FROM wishes_told WHERE user_id = ?",
    "subscriptions": "SELECT * FROM subscriptions WHERE user_id = ?",
    "deliveries": "SELECT * FROM deliveries WHERE person = ? ORDER BY id",
    "unreachable": "SELECT * FROM unreachable WHERE person = ?",
    "awaiting": "SELECT * FROM awaiting WHERE user_id = ?",
    "jobs": "SELECT * FROM jobs WHERE person = ? ORDER BY id",
    "audit_log": "SELECT * FROM audit_log WHERE actor = ? "
    "AND action IN ('data_request', 'data_withdrawn') ORDER BY id",
}
# Values stored as JSON text, given in the file as what they hold.
_JSON_COLUMNS: Final = {
    ("answers", "value"),
    ("responses", "pending"),
    ("event_wishes", "criteria"),
    ("subscriptions", "topics"),
    ("subscriptions", "regions"),
    ("awaiting", "state"),
    ("jobs", "data"),
}


def _value(table: str, column: str, value: Any) -> Any:
    if (table, column) in _JSON_COLUMNS and isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


class PersonalData:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def of(self, user_id: int) -> dict[str, list[dict[str, Any]]]:
        """Every row held about the person, by table (tables with none are left out)."""
        held: dict[str, list[dict[str, Any]]] = {}
        for table, sql in PERSONAL.items():
            rows = await self.db.fetchall(sql, (user_id,))
            if rows:
                held[table] = [{k: _value(table, k, v) for k, v in dict(r).items()} for r in rows]
        return held

    async def purge(self, before: datetime, unreachable_before: datetime) -> dict[str, int]:
        """Retention of what no feature purges itself, in one transaction:

        - deliveries sent (or failed, or skipped) of broadcasts made `before` (pending ones
          are work still to do);
        - people Telegram said cannot be reached since `unreachable_before` (they blocked the
          bot or deleted their account): their subscription, pending deliveries and the mark.

        The users row and the consents stay while the person is known to the bot: they are the
        record of what was agreed to (and /hapusdata deletes them).
        """
        cut, gone_cut = to_db(before), to_db(unreachable_before)

        def run(conn: sqlite3.Connection) -> dict[str, int]:
            counts: dict[str, int] = {}
            # By broadcast, so each old broadcast's rows are one range of deliveries_by_state
            # (an hourly scan of every delivery would hold the writer up with millions).
            counts["deliveries"] = conn.execute(
                "DELETE FROM deliveries WHERE status != 'pending' AND broadcast_id IN "
                "(SELECT id FROM broadcasts WHERE created_at < ?)",
                (cut,),
            ).rowcount
            gone = [
                r[0]
                for r in conn.execute(
                    "SELECT person FROM unreachable WHERE since < ?", (gone_cut,)
                ).fetchall()
            ]
            for person in gone:
                conn.execute("DELETE FROM subscriptions WHERE user_id = ?", (person,))
                conn.execute(
                    "DELETE FROM deliveries WHERE person = ? AND status = 'pending'", (person,)
                )
                conn.execute("DELETE FROM unreachable WHERE person = ?", (person,))
            counts["unreachable"] = len(gone)
            return counts

        return await self.db.transact(run)
