"""The terminal simulator runs the real handlers against the fake Telegram."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import TEST_SURVEYS

ROOT = Path(__file__).resolve().parent.parent


def _simulate(args: list[str], keys: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in {"TELEGRAM_BOT_TOKEN", "SURVEYS_DIR"}}
    env.update(SURVEYS_DIR=str(TEST_SURVEYS), PYTHONPATH=str(ROOT))
    return subprocess.run(
        [sys.executable, "-m", "bot", "simulate", *args],
        input=keys,
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=60,
    )


def test_simulator_walks_a_survey_without_a_token(tmp_path: Path) -> None:
    # consent, "Kurir", toggle "Gojek", Done, then type 5, then quit
    result = _simulate(["uji"], "1\n2\n1\n6\n5\n:q\n", tmp_path)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Sebelum mulai: tentang data Anda" in out
    assert "[1] Setuju" in out
    assert "Pertanyaan 1 dari 10" in out
    assert "✅ Gojek" in out
    assert "Berapa hari kerja per minggu?" in out
    assert "km" in out  # the question after the typed answer
    assert "Bye." in out


def test_simulator_in_english_and_unknown_survey(tmp_path: Path) -> None:
    result = _simulate(["uji", "--lang", "en"], "", tmp_path)
    assert result.returncode == 0 and "Before we start: your data" in result.stdout
    result = _simulate(["nope"], "", tmp_path)
    assert result.returncode == 2 and "Unknown survey 'nope'" in result.stderr
