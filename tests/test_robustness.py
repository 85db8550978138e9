"""Bad input never corrupts a response: stale buttons, double taps, stickers, huge text."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot.testing import harness
from bot.testing.harness import Bot, running_bot
from tests.helpers import answers, consent, rows, to_review


async def _started(mini: Bot, user_id: int = 1):
    user = mini.user(user_id)
    await consent(user, "uji")
    return user


async def _at_days_question(mini: Bot, user_id: int = 1):
    """A courier who uses no platform, now at "how many days a week" (typed)."""
    user = await _started(mini, user_id)
    await user.tap("Kurir")
    await user.tap("Tidak ada")
    await user.tap("Selesai")
    return user


# Two yes/no questions in a row: "Ya" on the first question's message would also fit the
# second, so only the revision in the button tells a double tap from a new answer.
TWO_YES_NO = """\
id: ganda
title: {id: "Uji ketukan ganda", en: "Double-tap test"}
start_payloads: [ganda]
questions:
  - id: sim
    type: yes_no
    text: {id: "Apakah Anda punya SIM?", en: "Do you have a driving licence?"}
  - id: stnk
    type: yes_no
    text: {id: "Apakah motor Anda ber-STNK?", en: "Is your motorbike registered?"}
  - id: catatan
    type: text
    text: {id: "Ada catatan?", en: "Any notes?"}
    required: false
"""


@pytest.fixture
async def two_yes_no(tmp_path: Path) -> AsyncIterator[Bot]:
    folder = tmp_path / "surveys"
    folder.mkdir()
    (folder / "ganda.yaml").write_text(TWO_YES_NO, encoding="utf-8")
    async with running_bot(harness.test_settings(tmp_path, surveys_dir=folder)) as running:
        yield running
        assert not running.telegram.refusals


@pytest.mark.parametrize("together", [False, True], ids=["one-by-one", "in-one-batch"])
async def test_double_tap_applies_once(two_yes_no: Bot, together: bool) -> None:
    """The second tap on "Ya" would answer the next question too if it were applied."""
    user = two_yes_no.user(1)
    await consent(user, "ganda")
    question = user.last
    first, second = user.tap_update("Ya", question), user.tap_update("Ya", question)
    if together:  # both in one getUpdates page
        await two_yes_no.deliver(first, second)
    else:
        await user.deliver(first)
        await user.deliver(second)
    settings = two_yes_no.services.settings
    assert answers(settings, 1) == {"sim": True}
    (response,) = rows(settings, "SELECT cursor FROM responses")
    assert response["cursor"] == "stnk"
    assert "STNK" in user.text
    toast = two_yes_no.telegram.calls_to("answerCallbackQuery")[-1].params.get("text")
    assert toast == "Sudah tercatat. Silakan lanjut di bawah."


async def test_an_update_handled_again_is_not_applied_to_the_next_question(
    two_yes_no: Bot,
) -> None:
    """A kill after two answers were stored but before the inbox recorded them handled: both
    are handled again at the next start. The inbox cannot tell (emulated here by making it
    forget them); the response can, by update id, so "ya" is not taken as the note."""
    user = two_yes_no.user(1)
    await consent(user, "ganda")
    licence, registered = user.message_update("ya"), user.message_update("ya")
    await user.deliver(licence)
    await user.deliver(registered)
    settings = two_yes_no.services.settings
    assert answers(settings, 1) == {"sim": True, "stnk": True}
    shown = len(user.messages)
    await two_yes_no.services.intake.inbox.purge_handled(two_yes_no.clock.now() + timedelta(1))
    await two_yes_no.deliver(licence, registered)
    assert answers(settings, 1) == {"sim": True, "stnk": True}
    assert "catatan" in user.text and len(user.messages) == shown + 1  # shown once more
    (response,) = rows(settings, "SELECT cursor FROM responses")
    assert response["cursor"] == "catatan"


async def test_back_tapped_twice_goes_back_once(mini: Bot) -> None:
    """◀️ Kembali is on every question: a double tap on it must not go back two questions."""
    user = await _at_days_question(mini)
    question = user.last
    first, second = user.tap_update("Kembali", question), user.tap_update("Kembali", question)
    await user.deliver(first)
    await user.deliver(second)
    assert "Platform" in user.text
    (response,) = rows(mini.services.settings, "SELECT cursor FROM responses")
    assert response["cursor"] == "platform"
    assert answers(mini.services.settings, 1) == {"kerja": "kurir", "platform": ["tidak_ada"]}


async def test_another_choice_on_the_answered_keyboard_changes_nothing(mini: Bot) -> None:
    """A different choice tapped on the keyboard just answered: no change of answer (◀️ Kembali
    is the way to change it), and the next question stays."""
    user = await _started(mini)
    question = user.last
    first, second = user.tap_update("Kurir", question), user.tap_update("Ojek online", question)
    await user.deliver(first)
    await user.deliver(second)
    assert answers(mini.services.settings, 1) == {"kerja": "kurir"}
    assert "Platform" in user.text
    toast = mini.telegram.calls_to("answerCallbackQuery")[-1].params.get("text")
    assert toast == "Sudah tercatat. Silakan lanjut di bawah."


async def test_stale_button_from_an_old_message(mini: Bot) -> None:
    user = await _at_days_question(mini)
    old = user.last  # "days per week" question, answered by typing
    await user.send("5")
    sent_before = len(user.messages)
    await user.tap("Kembali", old)  # a button on a message that is no longer current
    assert "tidak berlaku" in mini.telegram.calls_to("answerCallbackQuery")[-1].params["text"]
    assert len(user.messages) == sent_before + 1  # the current question again, at the bottom
    assert "km" in user.text
    assert "reply_markup" not in mini.telegram.chat(1).messages[old["message_id"]]
    assert answers(mini.services.settings, 1)["hari"] == 5


async def test_stickers_photos_voice_where_text_expected(mini: Bot) -> None:
    user = await _at_days_question(mini)
    for kind in ("sticker", "photo", "voice"):
        await user.send_other(kind)
        assert "Stiker, foto, dan pesan suara" in user.text
        assert "hari kerja" in user.text  # and the question again
    # A place shared (an old location button, perhaps: it is taken away), then the question.
    await user.send_other("location")
    assert user.messages[-2]["text"].startswith("⚠️ Pertanyaan ini tidak meminta lokasi.")
    assert "hari kerja" in user.text
    assert mini.telegram.chat(1).keyboard is None
    await user.send("4")
    assert answers(mini.services.settings, 1)["hari"] == 4


async def test_oversized_text(mini: Bot) -> None:
    user = await _started(mini)
    await user.tap("Ojek online")
    await user.tap("Tidak ada")
    await user.tap("Selesai")
    await user.send("a" * 4096)
    assert "Jawaban Anda 4096 karakter; paling banyak 20. Silakan persingkat." in user.text
    assert "merek_motor" not in answers(mini.services.settings, 1)
    await user.send("  Honda Supra X 125 Helm  ")  # 22 characters without the spaces around
    assert "Jawaban Anda 22 karakter; paling banyak 20." in user.text
    assert "merek_motor" not in answers(mini.services.settings, 1)
    await user.send("Honda")
    assert answers(mini.services.settings, 1)["merek_motor"] == "Honda"


async def test_html_in_answers_is_escaped(mini: Bot) -> None:
    """Telegram refuses unbalanced HTML; a respondent's <b> must come back as text."""
    user = await _started(mini)
    await user.tap("Lainnya")
    await user.send("<b>kuli & <i>angkut")
    assert "Platform" in user.text
    await user.tap("Kembali")
    assert "<b>kuli & <i>angkut" in user.text


async def test_redelivered_update_is_not_applied_twice(mini: Bot) -> None:
    """After a crash Telegram sends unacknowledged updates again; they must not count twice."""
    user = await _at_days_question(mini)
    update = user.message_update("5")
    await user.deliver(update)
    replies = len(user.messages)
    mini.services.surveys.forget(1)  # as after a restart: state comes from the database
    await user.deliver(update)
    assert len(user.messages) == replies
    assert answers(mini.services.settings, 1)["hari"] == 5
    (response,) = rows(mini.services.settings, "SELECT cursor FROM responses")
    assert response["cursor"] == "jarak"


async def test_edited_message_is_not_an_answer(mini: Bot) -> None:
    user = await _at_days_question(mini)
    update = user.message_update("5")
    update["edited_message"] = update.pop("message")
    await user.deliver(update)
    assert "tidak dapat kami baca" in user.text
    assert "hari" not in answers(mini.services.settings, 1)


async def test_cancel_asks_first_then_deletes(mini: Bot) -> None:
    user = await _started(mini)
    await user.tap("Kurir")
    await user.send("/batal")
    assert "Hentikan survei" in user.text
    await user.tap("Tidak, lanjutkan")
    assert "Platform" in user.text
    assert answers(mini.services.settings, 1) == {"kerja": "kurir"}
    await user.send("/batal")
    await user.send("halo")  # typing instead of choosing
    assert "hentikan survei atau lanjutkan" in user.text
    await user.tap("Ya, hentikan")
    assert "dihentikan" in user.text
    assert answers(mini.services.settings, 1) == {}
    (response,) = rows(mini.services.settings, "SELECT status FROM responses")
    assert response["status"] == "cancelled"
    await user.send("/batal")
    assert "tidak ada yang perlu dihentikan" in user.text


async def test_after_a_long_break_a_message_that_is_no_answer_brings_the_question_back(
    mini: Bot,
) -> None:
    """Days later, "5" would be taken (tests/test_typed_after_break.py); "halo" is not an
    answer: the person is told it was not saved, and sees the question again."""
    user = await _at_days_question(mini)
    mini.clock.advance(timedelta(days=3))
    await user.send("halo")
    assert "Selamat datang kembali" in user.text and "hari kerja" in user.text
    assert "tidak disimpan" in user.text
    assert "hari" not in answers(mini.services.settings, 1)
    await user.send("5")
    assert answers(mini.services.settings, 1)["hari"] == 5


async def test_answers_typed_before_an_outage_count_when_handled_late(mini: Bot) -> None:
    """A break is measured to when a message was sent, not to when the bot gets to it: what
    was typed at once, then handled hours later (the bot was down), is an answer."""
    user = await _at_days_question(mini)
    days, km = user.message_update("5"), user.message_update("12")
    mini.clock.advance(timedelta(hours=3))
    await mini.deliver(days, km)
    assert answers(mini.services.settings, 1) == {
        "kerja": "kurir",
        "platform": ["tidak_ada"],
        "hari": 5,
        "jarak": 12,
    }
    assert "BPJS" in user.text and "Selamat datang kembali" not in user.text


async def test_start_and_survei_resume_at_the_same_question(mini: Bot) -> None:
    user = await _started(mini)
    await user.tap("Kurir")
    for command in ("/start", "/survei", "/start uji"):
        await user.send(command)
        assert "Selamat datang kembali" in user.text and "Platform" in user.text


async def test_unfinished_response_expires(mini: Bot) -> None:
    user = await _started(mini)
    await user.tap("Kurir")
    mini.clock.advance(timedelta(days=15))
    await user.send("/survei")
    assert "melewati batas waktu" in user.text
    assert answers(mini.services.settings, 1) == {}
    (response,) = rows(mini.services.settings, "SELECT status FROM responses")
    assert response["status"] == "expired"


async def test_expiry_sweep_deletes_idle_answers(mini: Bot) -> None:
    """The sweep closes what has been idle past the expiry, and only that."""
    idle = await _started(mini, 1)
    await idle.tap("Kurir")
    mini.clock.advance(timedelta(days=15))
    active = await _started(mini, 2)
    await active.tap("Ojek online")
    assert await mini.services.surveys.expire_idle() == 1
    assert answers(mini.services.settings, 1) == {}
    assert answers(mini.services.settings, 2) == {"kerja": "ojol"}
    statuses = rows(mini.services.settings, "SELECT user_id, status FROM responses ORDER BY 1")
    assert [tuple(r) for r in statuses] == [(1, "expired"), (2, "in_progress")]


async def test_cannot_submit_the_same_survey_twice(mini: Bot) -> None:
    user = await _started(mini)
    services = mini.services
    survey = services.surveys.surveys["semua"]
    session, _ = await services.surveys.current(1)
    assert session is not None
    await to_review(user)
    await user.tap("Kirim")
    await user.send("/start uji")
    assert "sudah mengisi" in user.text
    assert survey.allow_multiple is False
    assert len(rows(services.settings, "SELECT id FROM responses")) == 1


async def test_stale_button_after_submit(mini: Bot) -> None:
    user = await _started(mini)
    first_question = user.last
    await user.send("/batal")
    await user.tap("Ya, hentikan")
    await user.tap("Kurir", first_question)
    assert "sudah ditutup" in mini.telegram.calls_to("answerCallbackQuery")[-1].params["text"]
    assert answers(mini.services.settings, 1) == {}


async def test_garbage_callback_data(mini: Bot) -> None:
    user = await _started(mini)
    message = user.last
    for data in ("q:x:c:ojol", "q:1", "q:999:zz:", "zz:top", "q:1:c:99", "q:1:c:"):
        await user.deliver(user.callback_update(data, message))
    assert answers(mini.services.settings, 1) == {}
    await user.tap("Kurir")
    assert answers(mini.services.settings, 1) == {"kerja": "kurir"}


async def test_errors_apologise_and_are_logged_without_token(mini: Bot, caplog) -> None:
    from bot.testing.fake_telegram import TEST_TOKEN, ApiError

    user = await _started(mini)
    mini.telegram.fail_next["sendMessage"] = ApiError(400, "Bad Request: chat not found")
    await user.send("/bantuan")
    assert "ada kendala" in user.text
    assert any("Unhandled error" in r.getMessage() for r in caplog.records)
    assert TEST_TOKEN.split(":")[1] not in caplog.text


async def test_groups_are_ignored(mini: Bot) -> None:
    user = mini.user(51)
    update = user.message_update("/start uji")
    update["message"]["chat"] = {"id": -100123, "type": "group", "title": "Komunitas Ojol"}
    await user.deliver(update)
    assert mini.telegram.calls_to("sendMessage") == []
    assert rows(mini.services.settings, "SELECT * FROM users") == []


async def test_another_survey_while_one_is_open(bot: Bot) -> None:
    user = bot.user(52)
    await consent(user, "bpjs")
    await user.tap("25–34 tahun")
    await user.send("/start latih")
    assert "Anda sedang mengisi “BPJS Ketenagakerjaan" in user.text and "/batal" in user.text
    assert "Pertanyaan 2 dari" in user.text


@pytest.mark.parametrize("text", ["/batall", "/foo", "/start2", "/²"])
async def test_an_unknown_command_gets_a_short_answer(mini: Bot, text: str) -> None:
    user = mini.user(88)
    await consent(user, "uji")
    shown = len(user.messages)
    await user.send(text)
    assert "perintah itu tidak dikenal" in user.text and "/bantuan" in user.text
    assert len(user.messages) == shown + 1
    assert "Apa pekerjaan Anda?" in user.messages[-2]["text"]  # the survey is left as it was
