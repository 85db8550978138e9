"""Read-only SQL behind results: counts over submitted responses, narrowed by place and period.

Everything is counted in SQLite (GROUP BY over the answers of the chosen responses), so a
summary costs one pass over those answers whatever their number, and memory holds counts, not
rows. Answers are stored as JSON: a choice is '"ojol"', a yes/no 'true', a scale point '4', a
multiple choice '["gojek","grab"]' (counted per option with json_each), a region '"53.71"'.

The counting runs on a read-only connection of its own (opened at the first use), not on the
bot's reader: a summary of a hundred thousand responses takes seconds, and on the shared reader
every person's next survey question would wait behind it. SQLite lets the two read side by side.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.storage.database import Database, Reads
from bot.storage.readonly import ReadOnlyDatabase
from bot.storage.timefmt import to_db

# Free-text answers read for the most common words: the most recent ones, so that a survey with
# a hundred thousand answers still summarises in bounded memory and time.
TEXTS_READ = 20_000


@dataclass(frozen=True)
class Selection:
    """Which submitted responses of a survey: all, or narrowed to a place and a period."""

    survey_id: str
    region_question: str | None = None  # the survey's region question, when narrowing by place
    place: str = ""  # "" all; "53" a province; "53.71" a kabupaten/kota
    since: datetime | None = None

    def where(self) -> tuple[str, list[Any]]:
        sql = "r.survey_id = ? AND r.status = 'submitted'"
        params: list[Any] = [self.survey_id]
        if self.since is not None:
            sql += " AND r.submitted_at >= ?"
            params.append(to_db(self.since))
        if self.place and self.region_question:
            # A province takes its own code and every kabupaten/kota under it ("53" and "53.x").
            sql += (
                " AND EXISTS (SELECT 1 FROM answers g WHERE g.response_id = r.id"
                " AND g.question_id = ? AND (g.value = ? OR g.value LIKE ?))"
            )
            exact = json.dumps(self.place)
            under = exact[:-1] + ".%" if "." not in self.place else exact
            params += [self.region_question, exact, under]
        return sql, params


def _key(value: Any) -> str:
    """A stored answer as a chart's key: "ojol", "true"/"false", "4"."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


class ResultRepository:
    def __init__(self, db: Database) -> None:
        self.db = db
        self._looking: ReadOnlyDatabase | None = None

    async def _reads(self) -> Reads:
        if self._looking is None:
            looking = ReadOnlyDatabase(self.db.path)
            await looking.open()
            self._looking = looking
        return self._looking

    async def close(self) -> None:
        """Close the counting connection (opened at the first count)."""
        if self._looking is not None:
            await self._looking.close()
            self._looking = None

    async def progress(self) -> dict[str, tuple[int, int]]:
        """(started, completed) by survey: every response ever begun (those still open, given
        up, expired or submitted) and the submitted ones."""
        reads = await self._reads()
        rows = await reads.fetchall(
            "SELECT survey_id, COUNT(*) AS started, "
            "SUM(status = 'submitted') AS completed FROM responses GROUP BY survey_id"
        )
        return {r["survey_id"]: (r["started"], r["completed"] or 0) for r in rows}

    async def median_seconds(self, survey_id: str) -> float | None:
        """The median time from starting to submitting, read from the middle of the sorted
        durations (one or two rows), not by loading them all."""
        reads = await self._reads()
        duration = "(julianday(submitted_at) - julianday(started_at)) * 86400.0"
        where = "survey_id = ? AND status = 'submitted'"
        row = await reads.fetchone(
            f"SELECT COUNT(*) AS n FROM responses WHERE {where}", (survey_id,)
        )
        n = row["n"] if row else 0
        if not n:
            return None
        rows = await reads.fetchall(
            f"SELECT {duration} AS d FROM responses WHERE {where} ORDER BY d LIMIT ? OFFSET ?",
            (survey_id, 2 - n % 2, (n - 1) // 2),
        )
        values = [float(r["d"]) for r in rows]
        return sum(values) / len(values)

    async def count(self, selection: Selection) -> int:
        reads = await self._reads()
        where, params = selection.where()
        row = await reads.fetchone(f"SELECT COUNT(*) AS n FROM responses r WHERE {where}", params)
        return int(row["n"]) if row else 0

    async def answered(self, selection: Selection, questions: Sequence[str]) -> dict[str, int]:
        """How many responses in the selection answered each question (skipped: not counted)."""
        reads = await self._reads()
        if not questions:
            return {}
        where, params = selection.where()
        marks = ",".join("?" * len(questions))
        rows = await reads.fetchall(
            "SELECT a.question_id AS q, COUNT(*) AS n FROM responses r "
            "JOIN answers a ON a.response_id = r.id "
            f"WHERE {where} AND a.question_id IN ({marks}) AND a.value IS NOT NULL "
            "GROUP BY a.question_id",
            [*params, *questions],
        )
        return {r["q"]: int(r["n"]) for r in rows}

    async def counts(
        self, selection: Selection, single: Sequence[str], multi: Sequence[str]
    ) -> dict[str, dict[str, int]]:
        """By question, how many chose each answer: one value per answer for `single` questions
        (choice, yes/no, scale), each picked option for `multi` ones."""
        reads = await self._reads()
        where, params = selection.where()
        found: dict[str, dict[str, int]] = {q: {} for q in [*single, *multi]}
        if single:
            marks = ",".join("?" * len(single))
            rows = await reads.fetchall(
                "SELECT a.question_id AS q, a.value AS v, COUNT(*) AS n FROM responses r "
                "JOIN answers a ON a.response_id = r.id "
                f"WHERE {where} AND a.question_id IN ({marks}) AND a.value IS NOT NULL "
                "GROUP BY a.question_id, a.value",
                [*params, *single],
            )
            for r in rows:
                key = _key(json.loads(r["v"]))
                found[r["q"]][key] = found[r["q"]].get(key, 0) + int(r["n"])
        if multi:
            marks = ",".join("?" * len(multi))
            rows = await reads.fetchall(
                "SELECT a.question_id AS q, j.value AS v, COUNT(*) AS n FROM responses r "
                "JOIN answers a ON a.response_id = r.id, json_each(a.value) j "
                f"WHERE {where} AND a.question_id IN ({marks}) AND a.value IS NOT NULL "
                "GROUP BY a.question_id, j.value",
                [*params, *multi],
            )
            for r in rows:
                found[r["q"]][_key(r["v"])] = int(r["n"])
        return found

    async def texts(self, selection: Selection, question: str) -> list[str]:
        """A free-text question's answers in the selection, newest first (at most TEXTS_READ)."""
        reads = await self._reads()
        where, params = selection.where()
        rows = await reads.fetchall(
            "SELECT a.value AS v FROM responses r JOIN answers a ON a.response_id = r.id "
            f"WHERE {where} AND a.question_id = ? AND a.value IS NOT NULL "
            "ORDER BY a.answered_at DESC LIMIT ?",
            [*params, question, TEXTS_READ],
        )
        texts = (json.loads(r["v"]) for r in rows)
        return [t for t in texts if isinstance(t, str) and t.strip()]

    async def places(self, selection: Selection) -> dict[str, int]:
        """Submitted responses by the region answered (a code), in the selection's period."""
        reads = await self._reads()
        if not selection.region_question:
            return {}
        where, params = Selection(selection.survey_id, since=selection.since).where()
        rows = await reads.fetchall(
            "SELECT a.value AS v, COUNT(*) AS n FROM responses r "
            "JOIN answers a ON a.response_id = r.id "
            f"WHERE {where} AND a.question_id = ? AND a.value IS NOT NULL GROUP BY a.value",
            [*params, selection.region_question],
        )
        found: dict[str, int] = {}
        for r in rows:
            code = json.loads(r["v"])
            if isinstance(code, str):
                found[code] = found.get(code, 0) + int(r["n"])
        return found

    async def has_submitted(self, user_id: int, survey_id: str) -> bool:
        reads = await self._reads()
        row = await reads.fetchone(
            "SELECT 1 FROM responses WHERE user_id = ? AND survey_id = ? AND status = 'submitted'",
            (user_id, survey_id),
        )
        return row is not None

    async def own_region(self, user_id: int, survey_id: str, question: str) -> str | None:
        """The region a person gave in their latest submitted response to the survey."""
        reads = await self._reads()
        row = await reads.fetchone(
            "SELECT a.value AS v FROM responses r JOIN answers a ON a.response_id = r.id "
            "WHERE r.user_id = ? AND r.survey_id = ? AND r.status = 'submitted' "
            "AND a.question_id = ? AND a.value IS NOT NULL "
            "ORDER BY r.submitted_at DESC LIMIT 1",
            (user_id, survey_id, question),
        )
        code = json.loads(row["v"]) if row else None
        return code if isinstance(code, str) else None
