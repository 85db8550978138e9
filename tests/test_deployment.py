"""The Dockerfile and the systemd unit, checked as far as this machine can: the unit passes
`systemd-analyze verify` (with its paths pointed at this checkout), both stop the bot the way it
expects, neither can restart-loop on a mistake only a person can fix, no secret goes into the
image, and the README shows the commands these files are built for."""

from __future__ import annotations

import configparser
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot.lifecycle import EXIT_CONFIG, EXIT_IN_USE
from bot.runner import STOP_DEADLINE

ROOT = Path(__file__).resolve().parent.parent
UNIT = ROOT / "deploy" / "berdaya-bot.service"


def instructions() -> list[tuple[str, str]]:
    """The Dockerfile as (INSTRUCTION, arguments), continuation lines joined."""
    text = re.sub(r"\\\n\s*", " ", (ROOT / "Dockerfile").read_text(encoding="utf-8"))
    found = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            found.append((word.upper(), rest.strip()))
    return found


def readme_block(heading: str) -> list[str]:
    """The command lines of the first ```sh block under `heading` in the README."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split(heading, 1)[1]
    block = re.search(r"```sh\n(.*?)```", section, re.S)
    assert block is not None, f"no ```sh block under {heading}"
    joined = re.sub(r"\\\n\s*", " ", block.group(1))
    return [line.strip() for line in joined.splitlines() if line.strip()]


def test_the_image_holds_the_code_and_no_secret() -> None:
    steps = instructions()
    copied = [args.split()[:-1] for word, args in steps if word == "COPY"]
    sources = {source for sources in copied for source in sources}
    for source in sources:
        assert (ROOT / source).exists(), f"COPY {source}: no such file"
    # Every package the project installs is in the image, and nothing secret is.
    assert {"bot", "handlers", "conversations", "locales", "pyproject.toml"} <= sources
    assert not any(s.startswith((".env", "data")) for s in sources)
    ignored = (ROOT / ".dockerignore").read_text(encoding="utf-8").split()
    assert {".env", "data/", ".venv/", ".git/"} <= set(ignored)

    assert ("CMD", '["python", "-m", "bot"]') in steps
    assert ("STOPSIGNAL", "SIGTERM") in steps
    assert any(w == "USER" and a != "root" for w, a in steps)
    health = next(a for w, a in steps if w == "HEALTHCHECK")
    assert health.endswith('CMD ["python", "-m", "bot", "check"]')
    volume = next(a for w, a in steps if w == "VOLUME")
    env = " ".join(a for w, a in steps if w == "ENV")
    assert '"/data"' in volume and "DATABASE_PATH=/data/" in env


def test_the_readme_shows_the_docker_commands_this_image_is_built_for() -> None:
    lines = readme_block("### Docker")
    assert "docker build -t berdaya-bot ." in lines
    run = shlex.split(next(line for line in lines if line.startswith("docker run")))
    assert run[-1] == "berdaya-bot"
    assert "--env-file" in run and run[run.index("--env-file") + 1] == ".env"
    volume = run[run.index("-v") + 1]
    assert volume.endswith(":/data")  # where the image keeps DATABASE_PATH
    assert "--restart" in run and run[run.index("--restart") + 1] == "on-failure"
    # Docker waits 10 s after SIGTERM before killing; the bot needs at most STOP_DEADLINE.
    assert STOP_DEADLINE < 10
    assert any("python -m bot backup" in line for line in lines)


def unit() -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # keys are case-sensitive
    parser.read(UNIT, encoding="utf-8")
    return parser


def test_the_systemd_unit_stops_and_restarts_the_bot_as_it_expects() -> None:
    service = unit()["Service"]
    start = shlex.split(service["ExecStart"])
    assert start[1:] == ["-m", "bot"] and start[0].endswith("/.venv/bin/python")
    assert service["WorkingDirectory"] == str(Path(start[0]).parent.parent.parent)
    assert service["EnvironmentFile"] == f"{service['WorkingDirectory']}/.env"
    assert service["KillSignal"] == "SIGTERM"
    assert int(service["TimeoutStopSec"]) > STOP_DEADLINE
    assert service["Restart"] == "on-failure"
    # Bad settings and a database in use stop the bot with one line; a restart loop would
    # only bury that line in the journal.
    assert set(service["RestartPreventExitStatus"].split()) == {str(EXIT_CONFIG), str(EXIT_IN_USE)}
    assert service["User"] != "root" and service["ProtectSystem"] == "strict"
    assert service["ReadWritePaths"] == f"{service['WorkingDirectory']}/data"
    assert unit()["Install"]["WantedBy"] == "multi-user.target"


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="no systemd-analyze here")
def test_the_systemd_unit_passes_systemd_analyze_verify(tmp_path: Path) -> None:
    # verify checks that ExecStart's program exists: point the unit at this checkout.
    text = UNIT.read_text(encoding="utf-8")
    text = text.replace("/opt/berdaya-bot/.venv/bin/python", sys.executable)
    text = text.replace("/opt/berdaya-bot", str(ROOT))
    # Users and groups named in it need not exist on a build machine.
    text = re.sub(r"^(User|Group)=.*$", "", text, flags=re.M)
    checked = tmp_path / "berdaya-bot.service"
    checked.write_text(text, encoding="utf-8")
    done = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", str(checked)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    problems = [
        line for line in (done.stdout + done.stderr).splitlines() if "berdaya-bot.service" in line
    ]
    assert done.returncode == 0 and not problems, done.stdout + done.stderr
