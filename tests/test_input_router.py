"""Typed input has one owner: what a person types goes to the feature waiting for it (here a
small two-step "note" wizard, standing in for a staff wizard), across a restart, and back to the
survey once that feature is done."""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, CommandHandler, ContextTypes

from bot.config import Settings
from bot.storage.awaiting import Awaiting
from bot.testing.fake_telegram import FakeTelegram
from bot.testing.harness import running_bot
from handlers import input_router
from handlers.common import Who, personal, services
from handlers.send import send
from tests.helpers import answers, consent, rows

NOTE = "note"


@personal
async def start_note(update: Update, context: ContextTypes.DEFAULT_TYPE, w: Who) -> None:
    await services(context).awaiting.expect(w.user_id, NOTE, {"step": "title"})
    await send(context, w.chat_id, "Judul catatan?")


async def on_note_input(
    update: Update, context: ContextTypes.DEFAULT_TYPE, w: Who, awaiting: Awaiting | None
) -> None:
    assert awaiting is not None and awaiting.feature == NOTE
    message = update.effective_message
    text = message.text if message and message.text else None
    if text is None:
        await send(context, w.chat_id, "Catatan hanya bisa berupa teks.")
        return
    awaiting_svc = services(context).awaiting
    if awaiting.state["step"] == "title":
        await awaiting_svc.expect(w.user_id, NOTE, {"step": "body", "title": text})
        await send(context, w.chat_id, "Isi catatan?")
        return
    await awaiting_svc.done(w.user_id, NOTE)
    await send(context, w.chat_id, f"Tersimpan: {awaiting.state['title']} / {text}")


def add_note_feature(app: Application) -> None:
    app.add_handler(CommandHandler("catatan", start_note))
    input_router.claim(app, NOTE, on_note_input)


async def test_input_goes_to_the_waiting_feature_across_a_restart_then_back_to_the_survey(
    mini_settings: Settings,
) -> None:
    telegram = FakeTelegram()
    async with running_bot(mini_settings, telegram) as first:
        add_note_feature(first.app)
        user = first.user(301)
        await consent(user, "uji")
        await user.tap("Kurir")
        await user.tap("Tidak ada")
        await user.tap("Selesai")  # the survey now waits for "days per week", typed
        await user.send("/catatan")
        await user.send("Rapat Kupang")  # for the note, not an answer to the survey
        assert user.text == "Isi catatan?"
        await user.send_other("sticker")  # still the note's: it answers, the survey does not
        assert user.text == "Catatan hanya bisa berupa teks."

    stored = rows(mini_settings, "SELECT feature, state FROM awaiting WHERE user_id = 301")
    assert [(r["feature"], r["state"]) for r in stored] == [
        ("note", '{"step": "body", "title": "Rapat Kupang"}')
    ]
    async with running_bot(mini_settings, telegram) as second:
        add_note_feature(second.app)
        user = second.user(301)
        await user.send("5")  # a restart later, the note still owns what is typed
        assert user.text == "Tersimpan: Rapat Kupang / 5"
        await user.send("5")  # the note is done: this answers the survey
        assert "km" in user.text
    assert answers(mini_settings, 301) == {"kerja": "kurir", "platform": ["tidak_ada"], "hari": 5}
    assert not rows(mini_settings, "SELECT * FROM awaiting")


async def test_input_for_a_feature_the_bot_no_longer_has_goes_to_the_survey(
    mini_settings: Settings,
) -> None:
    """A feature removed in an upgrade left a row behind: the person is not stuck."""
    telegram = FakeTelegram()
    async with running_bot(mini_settings, telegram) as first:
        add_note_feature(first.app)
        user = first.user(302)
        await consent(user, "uji")
        await user.send("/catatan")
    async with running_bot(mini_settings, telegram) as second:
        user = second.user(302)
        await user.tap("Kurir")  # the survey's first question, still on screen
        await user.send("3")  # at "platform" (buttons): the survey explains, the note is gone
        assert "tombol" in user.text


async def test_erasing_ones_data_forgets_what_a_feature_waited_for(
    mini_settings: Settings,
) -> None:
    async with running_bot(mini_settings) as bot:
        add_note_feature(bot.app)
        user = bot.user(303)
        await consent(user, "uji")
        await user.send("/catatan")
        await user.send("/hapusdata")
        await user.tap("Ya, hapus")
        await user.send("halo")  # no survey, no note: the hint, not "Isi catatan?"
        assert "/start" in user.text
    assert not rows(mini_settings, "SELECT * FROM awaiting")
