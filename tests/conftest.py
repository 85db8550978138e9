"""Shared fixtures: a real bot on a fake Telegram, in a fresh temporary database."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.config import Settings
from bot.testing.harness import Bot, running_bot, test_settings
from tests.helpers import no_refusals

TEST_SURVEYS = Path(__file__).parent / "surveys"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return test_settings(tmp_path)


@pytest.fixture
def mini_settings(tmp_path: Path) -> Settings:
    """Settings with the all-question-types test survey instead of the shipped ones."""
    return test_settings(tmp_path, surveys_dir=TEST_SURVEYS)


@pytest.fixture
async def bot(settings: Settings) -> AsyncIterator[Bot]:
    async with running_bot(settings) as running:
        yield running
        no_refusals(running)


@pytest.fixture
async def mini(mini_settings: Settings) -> AsyncIterator[Bot]:
    async with running_bot(mini_settings) as running:
        yield running
        no_refusals(running)
