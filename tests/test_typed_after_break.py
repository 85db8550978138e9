"""What a person types after a break is never dropped in silence: an answer that fits the
question on screen is taken; anything else is reported as not saved, with the reason, above the
question. Buttons after a break behave as before."""

from __future__ import annotations

import copy
from datetime import timedelta

from bot.testing.harness import Bot
from tests.helpers import answers, consent, rows

BREAK = timedelta(hours=2)  # beyond RESUME_AFTER_MINUTES (30 by default)


async def _at_work_question(mini: Bot):
    user = mini.user(1)
    await consent(user, "uji")
    assert "Apa pekerjaan Anda?" in user.text
    return user


def _toast(bot: Bot) -> str | None:
    return bot.telegram.calls_to("answerCallbackQuery")[-1].params.get("text")


async def test_a_valid_typed_answer_after_a_break_is_stored_and_the_next_question_shown(
    mini: Bot,
) -> None:
    user = await _at_work_question(mini)
    mini.clock.advance(BREAK)
    await user.send("Kurir")  # a choice typed by its label, as the answer to what is on screen
    assert answers(mini.services.settings, 1) == {"kerja": "kurir"}
    assert "Platform apa" in user.text
    assert "Selamat datang kembali" not in user.text and "tidak disimpan" not in user.text
    (response,) = rows(mini.services.settings, "SELECT cursor FROM responses")
    assert response["cursor"] == "platform"


async def test_a_valid_number_typed_days_later_is_taken(mini: Bot) -> None:
    user = await _at_work_question(mini)
    await user.tap("Kurir")
    await user.tap("Tidak ada")
    await user.tap("Selesai")
    mini.clock.advance(timedelta(days=3))
    await user.send("5")
    assert answers(mini.services.settings, 1)["hari"] == 5
    assert "Berapa km" in user.text


async def test_an_invalid_message_after_a_break_is_reported_as_not_saved(mini: Bot) -> None:
    user = await _at_work_question(mini)
    await user.tap("Kurir")
    await user.tap("Tidak ada")
    await user.tap("Selesai")
    before = user.last
    mini.clock.advance(BREAK)
    await user.send("halo, masih ada?")  # not a number of days
    text = user.text
    assert "Selamat datang kembali! Pesan Anda tidak disimpan sebagai jawaban:" in text
    assert "Silakan ketik angka saja" in text  # why
    assert "Berapa hari kerja per minggu?" in text  # and the question again
    assert user.last["message_id"] != before["message_id"]  # a new message, at the bottom
    assert "hari" not in answers(mini.services.settings, 1)
    # The break is over: the next message is read as an answer, without the note.
    await user.send("tujuh")
    assert "tidak disimpan" not in user.text and "Silakan ketik angka saja" in user.text
    await user.send("6")
    assert answers(mini.services.settings, 1)["hari"] == 6


async def test_an_invalid_message_after_a_break_in_english(mini: Bot) -> None:
    user = mini.user(2, "en")
    await consent(user, "uji")
    mini.clock.advance(BREAK)
    await user.send("Plumber")
    assert "Welcome back! Your message was not saved as an answer:" in user.text
    assert "What is your work?" in user.text
    assert answers(mini.services.settings, 2) == {}


async def test_a_tap_on_an_old_button_after_a_break_is_still_no_longer_active(mini: Bot) -> None:
    user = await _at_work_question(mini)
    first = copy.deepcopy(user.last)  # the keyboard as it was, before the edits
    await user.tap("Kurir")
    await user.send("/survei")  # the platform question again, in a new message
    mini.clock.advance(BREAK)
    await user.tap("Ojek online", first)  # still on screen further up the chat
    assert "pertanyaan Anda saat ini" in (_toast(mini) or "")
    assert answers(mini.services.settings, 1) == {"kerja": "kurir"}
    assert "Platform apa" in user.text


async def test_a_tap_on_the_current_question_after_a_break_answers_it(mini: Bot) -> None:
    user = await _at_work_question(mini)
    mini.clock.advance(BREAK)
    await user.tap("Kurir")
    assert answers(mini.services.settings, 1) == {"kerja": "kurir"}
    assert "Platform apa" in user.text
