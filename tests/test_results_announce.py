"""Staff announce a survey's interim results to the people who answered it (issue 8): from /hasil,
📣 writes the results of the public questions (all respondents, the small-group rule as
everywhere) as a message, and /umumkan's summary takes it from there; each respondent gets a
copy, nobody else does."""

from __future__ import annotations

from pathlib import Path

from bot.core.text import pick
from bot.testing import harness
from bot.testing.harness import running_bot
from handlers.buttons import AnnounceResults
from tests.helpers import no_refusals, rows
from tests.test_results_public import SURVEY, answer, bar_lines, expected, toast

STAFF = 42


async def test_interim_results_are_announced_to_the_respondents(tmp_path: Path) -> None:
    settings = harness.test_settings(tmp_path, admin_ids=frozenset({STAFF}))
    async with running_bot(settings) as bot:
        respondents = [bot.user(700 + n) for n in range(5)]
        for person in respondents[:4]:
            await answer(person)
        bystander = bot.user(799)
        await bystander.send("/bantuan")
        staff = bot.user(STAFF)
        await staff.send("/hasil")
        await staff.tap("📊 " + pick(SURVEY.title, "id"))

        # Four answers: under the threshold of five, nothing is announced.
        await staff.tap("📣 Umumkan hasil sementara")
        assert toast(bot) == "Jawaban yang masuk masih terlalu sedikit untuk diumumkan."
        assert rows(settings, "SELECT * FROM awaiting") == []

        await answer(respondents[4])
        await staff.tap("📣 Umumkan hasil sementara")
        results = next(
            m for m in reversed(staff.messages) if m.get("text", "").startswith("📊 Hasil")
        )
        assert bar_lines(results["text"], "id") == expected(settings, "id")
        assert "Orang yang telah menyelesaikan survei" in staff.text
        assert "5 orang" in staff.text
        await staff.tap("✅ Kirim sekarang")
        await bot.services.sender.idle()

        copied = {int(c.params["chat_id"]) for c in bot.telegram.calls_to("copyMessage")}
        assert copied == {person.id for person in respondents}
        for person in respondents:
            [copy] = [m for m in bot.telegram.bot_messages(person.id) if "copied_from" in m]
            assert copy["text"] == results["text"]
        (broadcast,) = rows(settings, "SELECT created_by, audience FROM broadcasts")
        assert broadcast["created_by"] == STAFF
        assert '"kind": "survey"' in broadcast["audience"]
        no_refusals(bot)


async def test_only_staff_can_announce_results(tmp_path: Path) -> None:
    settings = harness.test_settings(tmp_path, admin_ids=frozenset({STAFF}))
    async with running_bot(settings) as bot:
        visitor = bot.user(5)
        message = await visitor.send("/bantuan")
        await visitor.deliver(visitor.callback_update(AnnounceResults(SURVEY.id).pack(), message))
        assert toast(bot) == "Tombol ini sudah tidak berlaku."
        assert rows(settings, "SELECT * FROM broadcasts") == []
        no_refusals(bot)
