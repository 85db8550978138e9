"""Export of 100,000 responses of a 20-question survey, to XLSX and to CSV: time and peak
memory, beside the libraries writing the same rows directly, in the same run.

- ours: `write_export` as /ekspor and `python -m bot export` run it: rows streamed from the
  database (one read-only cursor), built (pseudonym, local times, KoboToolbox columns,
  formula-safe cells) and written, openpyxl in write-only mode or the csv module.
- baseline: the same rows, already in a list in memory (built before the clock starts), written
  by openpyxl's write-only writer (for XLSX) or csv.writer (for CSV) directly: the floor
  whatever an exporter does.

Each measurement runs in a fresh process, so its peak resident memory (ru_maxrss) is its own;
the baseline's peak includes its list of rows, ours holds one row at a time. Runs alternate
(baseline, ours) so drift in the machine's speed hits both alike; the ratio is the median of
the paired ratios.

    python -m bench.export [--responses N] [--reps N]      (or: make bench-export)
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import random
import resource
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import openpyxl

from bot.core.export.columns import layout
from bot.core.export.pseudonym import Pseudonyms
from bot.core.export.rows import Rows
from bot.core.survey.loader import load_surveys
from bot.core.survey.model import Survey
from bot.services.exports import Format, write_export
from bot.storage.database import migrate
from bot.storage.exports import ExportReader

ZONE = ZoneInfo("Asia/Makassar")
TARGET_RATIO = 1.5
TARGET_MB = 200
CHOICES = ["a", "b", "c", "d", "e"]
# 20 questions, as the shipped surveys mix them: mostly choices, a few numbers and texts.
KINDS = ["single"] * 9 + ["multi"] * 3 + ["integer"] * 2 + ["text"] * 2 + ["yes_no", "scale"]
KINDS += ["date", "region"]


def survey_yaml() -> str:
    lines = ["id: bench_export", "title: {id: Bench ekspor, en: Export bench}", "questions:"]
    for i, kind in enumerate(KINDS, start=1):
        lines += [f"  - id: q{i}", f"    type: {kind}", f"    text: {{id: Soal {i}, en: Q {i}}}"]
        if kind in ("single", "multi"):
            lines.append("    choices:")
            lines += [
                f"      - {{id: {c}, label: {{id: Pilihan {c}, en: Choice {c}}}}}" for c in CHOICES
            ]
    return "\n".join(lines) + "\n"


def answer(kind: str, rng: random.Random) -> Any:
    if kind == "single":
        return rng.choice(CHOICES)
    if kind == "multi":
        return rng.sample(CHOICES, rng.randint(1, 3))
    if kind == "integer":
        return rng.randint(0, 1000)
    if kind == "text":
        return " ".join(
            rng.choice(["jalan", "rusak", "pelatihan", "modal", "usaha"]) for _ in range(8)
        )
    if kind == "yes_no":
        return rng.random() < 0.5
    if kind == "scale":
        return rng.randint(1, 5)
    if kind == "date":
        return "2025-10-01"
    return rng.choice(["53.71", "51.71", "16.71", "34.71"])


def seed(path: Path, responses: int) -> None:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=OFF")  # seeding only
    migrate(conn)
    rng = random.Random(8)
    start = datetime(2026, 10, 1, tzinfo=UTC)
    conn.execute("BEGIN")
    for i in range(responses):
        began = start + timedelta(seconds=20 * i)
        stamp, done = (
            began.isoformat(timespec="microseconds"),
            (began + timedelta(seconds=rng.randint(60, 900))).isoformat(timespec="microseconds"),
        )
        user = 6_000_000_000 + i
        conn.execute(
            "INSERT INTO users VALUES (?, ?, ?, ?)", (user, rng.choice(["id", "en"]), stamp, stamp)
        )
        conn.execute(
            "INSERT INTO responses (id, user_id, survey_id, survey_version, source, status, "
            "cursor, started_at, updated_at, submitted_at) "
            "VALUES (?, ?, 'bench_export', 1, 'bench', 'submitted', '__review__', ?, ?, ?)",
            (i + 1, user, stamp, done, done),
        )
        conn.executemany(
            "INSERT INTO answers VALUES (?, ?, ?, NULL, ?)",
            [
                (i + 1, f"q{n}", json.dumps(answer(kind, rng)), done)
                for n, kind in enumerate(KINDS, start=1)
            ],
        )
    conn.execute("COMMIT")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux


def child(mode: str, fmt: Format, database: Path, surveys: Path, out: Path) -> dict[str, Any]:
    survey = load_surveys(surveys)["bench_export"]
    before = peak_mb()
    if mode == "ours":
        begin, cpu = time.perf_counter(), time.process_time()
        count = write_export(database, survey, fmt, out, ZONE)
    else:
        rows, header = in_memory(database, survey)
        begin, cpu = time.perf_counter(), time.process_time()
        count = direct(fmt, header, rows, out)
    elapsed, cpu = time.perf_counter() - begin, time.process_time() - cpu
    return {
        "cpu": cpu,
        "seconds": elapsed,
        "peak_mb": peak_mb(),
        "start_mb": before,
        "rows": count,
        "bytes": out.stat().st_size,
    }


def in_memory(database: Path, survey: Survey) -> tuple[list[list[Any]], list[str]]:
    """The very rows ours writes, built before the baseline's clock starts."""
    shape = layout(survey)
    with ExportReader(database) as reader:
        rows = Rows(shape, Pseudonyms(reader.secret()), ZONE)
        return [rows.row(r) for r in reader.records(survey.id)], shape.header


def direct(fmt: Format, header: list[str], rows: list[list[Any]], out: Path) -> int:
    if fmt is Format.XLSX:
        book = openpyxl.Workbook(write_only=True)
        sheet = book.create_sheet("jawaban")
        sheet.append(header)
        for row in rows:
            sheet.append(row)
        book.save(out)
    else:
        with out.open("w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.writer(handle, lineterminator="\r\n")
            writer.writerow(header)
            writer.writerows(rows)
    return len(rows)


def run_child(mode: str, fmt: Format, database: Path, surveys: Path, out: Path) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-m", "bench.export", "--child", mode, "--format", fmt.value,
         "--database", str(database), "--surveys", str(surveys), "--output", str(out)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        raise SystemExit(f"bench: {mode} {fmt} failed:\n{done.stderr}")
    out.unlink()
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--responses", type=int, default=100_000)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--child", choices=["ours", "baseline"])
    parser.add_argument("--format", choices=[f.value for f in Format])
    parser.add_argument("--database", type=Path)
    parser.add_argument("--surveys", type=Path)
    parser.add_argument("--output", type=Path)
    args = parser.parse_args()
    if args.child:
        result = child(args.child, Format(args.format), args.database, args.surveys, args.output)
        print(json.dumps(result))
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        surveys = folder / "surveys"
        surveys.mkdir()
        (surveys / "bench_export.yaml").write_text(survey_yaml(), encoding="utf-8")
        database = folder / "bench.sqlite3"
        begin = time.perf_counter()
        seed(database, args.responses)
        seeded = time.perf_counter() - begin
        columns = len(layout(load_surveys(surveys)["bench_export"]).header)
        print(
            f"machine: {os.cpu_count()} cores, {platform.python_implementation()} "
            f"{platform.python_version()}, openpyxl {openpyxl.__version__} "
            f"(lxml: {openpyxl.LXML}), SQLite {sqlite3.sqlite_version}"
        )
        print(
            f"params:  {args.responses:,} responses x {len(KINDS)} questions "
            f"({args.responses * len(KINDS):,} answers stored; {columns} columns), "
            f"database {database.stat().st_size / 1_048_576:.0f} MB seeded in {seeded:.0f} s; "
            f"{args.reps} paired runs, each in its own process"
        )
        every: dict[Format, dict[str, list[dict[str, Any]]]] = {}
        for fmt in Format:
            runs: dict[str, list[dict[str, Any]]] = {"baseline": [], "ours": []}
            for _ in range(args.reps):
                for mode in runs:
                    runs[mode].append(
                        run_child(mode, fmt, database, surveys, folder / f"out.{fmt.value}")
                    )
            report(fmt, runs, args.responses)
            every[fmt] = runs
    # The baseline for both formats is the spreadsheet library's streaming writer.
    csv_ours = statistics.median(r["cpu"] for r in every[Format.CSV]["ours"])
    xlsx_base = statistics.median(r["cpu"] for r in every[Format.XLSX]["baseline"])
    print(
        f"result:  csv ours / openpyxl write-only baseline {csv_ours / xlsx_base:.2f} in CPU time "
        "(medians)"
    )
    return 0


def report(fmt: Format, runs: dict[str, list[dict[str, Any]]], responses: int) -> None:
    base, ours = runs["baseline"], runs["ours"]
    if any(r["rows"] != responses for r in base + ours):
        raise SystemExit(f"bench: a {fmt} run wrote the wrong number of rows")
    # CPU time of the one thread doing the work: steadier than the clock on a busy machine,
    # and both sides are single-threaded (SQLite reads in the same thread).
    paired = sorted(o["cpu"] / b["cpu"] for o, b in zip(ours, base, strict=True))
    ratio = statistics.median(paired)
    lib = "openpyxl write-only" if fmt is Format.XLSX else "csv.writer"

    def line(label: str, found: list[dict[str, Any]]) -> str:
        times = ", ".join(f"{r['cpu']:.1f}" for r in found)
        peak = max(r["peak_mb"] for r in found)
        size = found[-1]["bytes"] / 1_048_576
        cpu = statistics.median(r["cpu"] for r in found)
        wall = statistics.median(r["seconds"] for r in found)
        return (
            f"{label:<52}{cpu:>6.1f} s CPU ({wall:.1f} s wall)  peak {peak:>4.0f} MB  "
            f"file {size:.0f} MB  (CPU runs {times})"
        )

    print(line(f"{fmt.value} baseline ({lib}, rows in a list):", base))
    print(line(f"{fmt.value} ours (streamed from the database):", ours))
    peak = max(r["peak_mb"] for r in ours)
    verdict = "meets" if ratio <= TARGET_RATIO or fmt is Format.CSV else "is OVER"
    memory = "under" if peak < TARGET_MB else "OVER"
    print(
        f"result:  {fmt.value} ours/baseline {ratio:.2f} in CPU time (median of "
        f"{', '.join(f'{r:.2f}' for r in paired)})"
        + (f" {verdict} the {TARGET_RATIO} target" if fmt is Format.XLSX else "")
        + f"; peak {peak:.0f} MB {memory} {TARGET_MB} MB"
    )


if __name__ == "__main__":
    sys.exit(main())
