"""After sending a survey: the surveys not done yet and /acara are offered as buttons."""

from __future__ import annotations

from pathlib import Path

from bot.testing import harness
from bot.testing.harness import running_bot
from handlers.buttons import PickSurvey
from tests.conftest import TEST_SURVEYS
from tests.helpers import consent, no_refusals, to_review


async def test_after_sending_the_other_survey_and_the_events_are_offered(tmp_path: Path) -> None:
    surveys = tmp_path / "surveys"
    surveys.mkdir()
    first = (TEST_SURVEYS / "all_types.yaml").read_text(encoding="utf-8")
    (surveys / "semua.yaml").write_text(first, encoding="utf-8")
    second = first.replace("id: semua", "id: kedua", 1).replace("[uji]", "[kedua]", 1)
    second = second.replace("Survei uji semua jenis", "Survei kedua", 1)
    (surveys / "kedua.yaml").write_text(second, encoding="utf-8")
    async with running_bot(harness.test_settings(tmp_path, surveys_dir=surveys)) as bot:
        user = bot.user(730)
        await consent(user, "uji")
        await to_review(user)
        await user.tap("Kirim")
        thanks = user.messages[-2]
        assert thanks["text"].startswith("✅ ")
        assert user.text == (
            "Anda juga dapat mengisi survei lain, atau melihat acara mendatang (/acara):"
        )
        assert user.buttons() == ["📝 Survei kedua", "📅 Acara mendatang", "🔔 Terima pengumuman"]
        await user.tap("Survei kedua")
        assert "Pertanyaan 1 dari" in user.text
        await to_review(user)
        await user.tap("Kirim")
        assert user.text == "Lihat acara dan pelatihan mendatang (/acara):"
        assert user.buttons() == ["📅 Acara mendatang", "🔔 Terima pengumuman"]
        await user.tap("Acara mendatang")
        assert "/acara" not in user.text  # the offer became the list of events
        assert user.messages[-2]["text"].startswith("✅ ")  # the thanks stays as it was
        # The first offer's button, tapped now that that survey is done too.
        await user.deliver(user.callback_update(PickSurvey("kedua").pack(), user.last))
        assert "sudah mengisi" in user.text
        no_refusals(bot)
