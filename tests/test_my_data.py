"""/dataku: counts only the answers the skip logic keeps, and shows the person's own times in
their own zone (where their survey answer says they are), the bot's zone otherwise."""

from __future__ import annotations

from bot.testing.harness import Bot
from tests.helpers import consent, no_refusals, to_review


async def test_an_answer_the_skip_logic_drops_is_not_counted(mini: Bot) -> None:
    """An ojol driver names their motorbike, then goes back and says they are a courier: the
    motorbike question no longer shows, so its stored answer is not one of theirs to count."""
    user = mini.user(720)
    await consent(user, "uji")
    await user.tap("Ojek online")
    await user.tap("Gojek")
    await user.tap("Selesai")
    await user.send("Honda")  # merek_motor: shown to ojol drivers only
    await user.send("/dataku")
    assert "3 jawaban" in user.text
    for _ in range(3):
        await user.send("/survei")
        await user.tap("Kembali")
    await user.tap("Kurir")
    await user.send("/dataku")
    assert "2 jawaban" in user.text and "3 jawaban" not in user.text
    no_refusals(mini)


async def test_submitted_times_read_in_the_persons_zone(mini: Bot) -> None:
    """Kota Kupang is WITA; without a region the bot's zone (WIB) is used."""
    kupang = mini.user(721)
    await consent(kupang, "uji")
    await to_review(kupang)  # says Kota Kupang where it asks for a region
    await kupang.tap("Kirim")
    await kupang.send("/dataku")
    assert "WITA" in kupang.text and "WIB" not in kupang.text
    no_refusals(mini)
