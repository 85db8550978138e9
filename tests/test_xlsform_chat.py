"""What respondents see of an imported XLSForm in the chat, through the real bot.

The surveys are built here as model objects (what `bot.core.xlsform.convert` makes of a form)
and written as survey files: group titles as section headers, `${name}` filled in, notes with
the next question, acknowledge, a default in one tap, Telegram's location button (shared,
typed, skipped, shared where no question asks), long lists a page at a time, cascading lists,
the form's constraint message, repeats by count and by "another round?", a long review a page
at a time.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.core.survey.model import Survey
from bot.testing import harness
from bot.testing.fake_telegram import ApiError, FakeTelegram
from bot.testing.harness import Bot, FakeUser, running_bot
from handlers.buttons import SurveyTap
from tests.helpers import answers, consent, no_refusals


def _write(tmp_path: Path, *surveys: dict[str, Any]) -> Path:
    folder = tmp_path / "surveys"
    folder.mkdir()
    for data in surveys:
        survey = Survey.model_validate(data)  # what the bot will read, checked here first
        dumped = survey.model_dump(mode="json", exclude_defaults=True)
        text = yaml.safe_dump(dumped, allow_unicode=True, sort_keys=False)
        (folder / f"{survey.id}.yaml").write_text(text, encoding="utf-8")
    return folder


def _t(id_: str, en: str | None = None) -> dict[str, str]:
    return {"id": id_, "en": en or id_}


HOUSEHOLD: dict[str, Any] = {
    "id": "rumah",
    "title": _t("Survei rumah tangga", "Household survey"),
    "form_id": "rumah",
    "repeats": [
        {
            "id": "anggota",
            "label": _t("Anggota rumah tangga", "Household member"),
            "count": "${jumlah}",
        }
    ],
    "questions": [
        {
            "id": "nama",
            "type": "text",
            "text": _t("Siapa nama Anda?", "What is your name?"),
            "section": _t("Responden", "Respondent"),
        },
        {
            "id": "sambutan",
            "type": "note",
            "text": _t(
                "Terima kasih, ${nama}. Berikut pertanyaan tentang rumah Anda.",
                "Thank you, ${nama}. Now a few questions about your home.",
            ),
            "section": _t("Rumah tangga", "Household"),
        },
        {
            "id": "jumlah",
            "type": "integer",
            "text": _t(
                "Berapa orang tinggal di rumah ${nama}?", "How many live in ${nama}'s home?"
            ),
            "section": _t("Rumah tangga", "Household"),
            "min": 1,
            "max": 10,
            "default": "2",
        },
        {
            "id": "umur",
            "type": "integer",
            "text": _t("Berapa umurnya?", "How old are they?"),
            "section": _t("Rumah tangga", "Household"),
            "repeat": "anggota",
            "constraint": ". < 120",
            "constraint_message": _t(
                "Umur harus di bawah 120 tahun.", "The age must be below 120 years."
            ),
        },
        {
            "id": "paham",
            "type": "acknowledge",
            "text": _t(
                "Data ini hanya untuk program ${nama}.",
                "This data is only for ${nama}'s programme.",
            ),
            "section": _t("Penutup", "Closing"),
        },
    ],
}


async def _start(bot: Bot, user_id: int, payload: str, locale: str = "id") -> FakeUser:
    user = bot.user(user_id, locale)
    await consent(user, payload)
    return user


def _bold_lines(user: FakeUser) -> list[str]:
    html = str(user.last.get("html", ""))
    return [line for line in html.split("\n") if line.startswith("<b>")]


async def test_sections_piping_notes_default_rounds_and_acknowledge(tmp_path: Path) -> None:
    settings = harness.test_settings(tmp_path, surveys_dir=_write(tmp_path, HOUSEHOLD))
    async with running_bot(settings) as bot:
        user = await _start(bot, 1, "rumah")
        assert _bold_lines(user)[:1] == ["<b>Responden</b>"]
        await user.send("Wati")
        # A new section: its title; the note with the next question, both filled in.
        text = user.text
        assert text.startswith("Rumah tangga\nPertanyaan 2 dari")
        assert "Terima kasih, Wati. Berikut pertanyaan tentang rumah Anda." in text
        assert "Berapa orang tinggal di rumah Wati?" in text
        # The default as one tap, while unanswered.
        assert "✓ 2" in user.buttons()
        await user.tap("✓ 2")
        # Round 1 of 2, same section: no title again, the round beside the progress.
        assert "<b>Rumah tangga</b>" not in user.last["html"]
        assert "Anggota rumah tangga ke-1" in user.text.split("\n")[0]
        # The form's own constraint message, not a generic one.
        await user.send("130")
        assert user.text.startswith("⚠️ Umur harus di bawah 120 tahun.")
        await user.send("34")
        assert "Anggota rumah tangga ke-2" in user.text
        await user.send("8")
        # Acknowledge: one button, its text filled in, a new section.
        assert "Penutup" in _bold_lines(user)[0]
        assert "Data ini hanya untuk program Wati." in user.text
        assert user.buttons() == ["✅ OK", "◀️ Kembali"]
        await user.tap("✅ OK")
        assert "Periksa kembali jawaban Anda" in user.text
        assert "Anggota rumah tangga ke-2 › Berapa umurnya?" in user.text
        await user.tap("Kirim")
        stored = answers(settings, 1)
        assert stored == {
            "nama": "Wati",
            "jumlah": 2,
            "anggota[1]/umur": 34,
            "anggota[2]/umur": 8,
            "paham": "OK",
        }
        no_refusals(bot)


async def test_an_imported_form_in_english(tmp_path: Path) -> None:
    settings = harness.test_settings(tmp_path, surveys_dir=_write(tmp_path, HOUSEHOLD))
    async with running_bot(settings) as bot:
        user = await _start(bot, 2, "rumah", "en")
        await user.send("Budi")
        assert "Thank you, Budi. Now a few questions about your home." in user.text
        await user.send("1")
        assert "Household member 1" in user.text.split("\n")[0]
        await user.send("200")
        assert user.text.startswith("⚠️ The age must be below 120 years.")
        await user.send("40")
        assert user.buttons() == ["✅ OK", "◀️ Back"]
        no_refusals(bot)


PLACE: dict[str, Any] = {
    "id": "tempat",
    "title": _t("Lokasi usaha", "Business location"),
    "questions": [
        {
            "id": "usaha",
            "type": "location",
            "text": _t("Di mana tempat usaha Anda?", "Where is your business?"),
            "required": False,
        },
        {
            "id": "gudang",
            "type": "location",
            "text": _t("Di mana gudang Anda?", "Where is your storehouse?"),
            "required": False,
        },
        {
            "id": "catatan",
            "type": "text",
            "text": _t("Ada catatan?", "Any notes?"),
        },
    ],
}


def _keyboard(bot: Bot, user: FakeUser) -> dict[str, Any] | None:
    return bot.telegram.chat(user.id).keyboard


def _location_update(user: FakeUser, latitude: float, longitude: float, **extra: Any) -> Any:
    where = {"latitude": latitude, "longitude": longitude, **extra}
    return user.other_update("location", location=where)


async def test_a_location_shared_typed_and_skipped(tmp_path: Path) -> None:
    settings = harness.test_settings(tmp_path, surveys_dir=_write(tmp_path, PLACE))
    async with running_bot(settings) as bot:
        user = await _start(bot, 3, "tempat")
        # The question with its inline buttons, then Telegram's location button under the chat.
        question = user.messages[-2]
        assert "Di mana tempat usaha Anda?" in question["text"]
        assert "Kirim lokasi saya" in question["text"]
        assert user.buttons(question) == ["Lewati ⏭"]
        assert user.text == "👇 Gunakan tombol “📍 Kirim lokasi saya” di bawah."
        keyboard = _keyboard(bot, user)
        assert keyboard is not None
        assert keyboard["keyboard"] == [
            [{"text": "📍 Kirim lokasi saya", "request_location": True}]
        ]
        await user.deliver(_location_update(user, -8.65, 115.22, horizontal_accuracy=12.5))
        # The next question asks for a location too: the button stays, not said again.
        assert "Di mana gudang Anda?" in user.text
        assert _keyboard(bot, user) is not None
        assert answers(settings, 3) == {"usaha": "-8.650000 115.220000 0 12.5"}
        # Typed (Telegram Desktop cannot share a place), badly, then well.
        await user.send("di dekat pasar")
        assert user.text.startswith("⚠️ Silakan kirim lokasi Anda dengan tombol")
        await user.send("-8.7, 115.3")
        # Moving on takes the button away, saying what became of the location.
        assert _keyboard(bot, user) is None
        assert user.messages[-2]["text"] == "📍 Lokasi Anda: -8.7, 115.3"
        assert "Ada catatan?" in user.text
        # Back to the first one and skip it this time.
        await user.tap("Kembali")
        await user.tap("Kembali")
        assert "Di mana tempat usaha Anda?" in user.messages[-2]["text"]
        assert _keyboard(bot, user) is not None
        await user.tap("Lewati", user.messages[-2])
        assert user.messages[-2]["text"] == "📍 Lokasi dilewati."
        assert _keyboard(bot, user) is None
        assert "Ada catatan?" in user.text  # the storehouse is answered: on to what is not
        await user.send("Tidak ada")
        assert "-8.7, 115.3" in user.text  # the review
        await user.tap("Kirim")
        assert answers(settings, 3) == {
            "usaha": None,
            "gudang": "-8.700000 115.300000 0 0",
            "catatan": "Tidak ada",
        }
        no_refusals(bot)


async def test_a_location_nobody_asked_for_and_a_live_location(tmp_path: Path) -> None:
    settings = harness.test_settings(tmp_path, surveys_dir=_write(tmp_path, PLACE))
    async with running_bot(settings) as bot:
        user = await _start(bot, 4, "tempat")
        # A live location: its first point is the answer; its moves (edits) are no news.
        live = _location_update(user, -10.17, 123.6, live_period=900)
        await user.deliver(live)
        assert answers(settings, 4) == {"usaha": "-10.170000 123.600000 0 0"}
        sent = len(user.messages)
        moved = {
            **live["message"],
            "location": {"latitude": -10.18, "longitude": 123.61, "live_period": 900},
            "edit_date": live["message"]["date"] + 60,
        }
        update_id = bot.telegram.next_update_id()
        await user.deliver({"update_id": update_id, "edited_message": moved})
        assert len(user.messages) == sent
        # A venue (a place picked from Telegram's list) answers with its point.
        venue = {
            "location": {"latitude": -10.16, "longitude": 123.59},
            "title": "Pasar Inpres",
            "address": "Jl. Soeprapto, Kupang",
        }
        await user.deliver(user.other_update("location", location=venue["location"], venue=venue))
        assert answers(settings, 4)["gudang"] == "-10.160000 123.590000 0 0"
        assert _keyboard(bot, user) is None
        # A place shared where a text is asked (an old location button tapped).
        await user.deliver(_location_update(user, -10.2, 123.5))
        assert user.messages[-2]["text"].startswith("⚠️ Pertanyaan ini tidak meminta lokasi.")
        assert "Ada catatan?" in user.text
        assert answers(settings, 4) == {
            "usaha": "-10.170000 123.600000 0 0",
            "gudang": "-10.160000 123.590000 0 0",
        }
        no_refusals(bot)


def _cities() -> list[dict[str, Any]]:
    ntt = [
        {"id": f"ntt{n:02d}", "label": _t(f"Kota NTT {n:02d}"), "columns": {"prov": "ntt"}}
        for n in range(1, 24)
    ]
    long_id = "kabupaten_" + "x" * 70
    ntt.append({"id": long_id, "label": _t("Kabupaten Panjang"), "columns": {"prov": "ntt"}})
    bali = [
        {"id": "denpasar", "label": _t("Denpasar"), "columns": {"prov": "bali"}},
        {"id": "badung", "label": _t("Badung"), "columns": {"prov": "bali"}},
    ]
    return bali + ntt


JENIS = "jenis_usaha_yang_dijalankan_oleh_responden_saat_ini"
LISTS: dict[str, Any] = {
    "id": "daftar",
    "title": _t("Daftar panjang", "Long lists"),
    "repeats": [{"id": "usaha", "label": _t("Usaha", "Business")}],
    "questions": [
        {
            "id": "prov",
            "type": "single",
            "text": _t("Provinsi?", "Province?"),
            "choices": [
                {"id": "bali", "label": _t("Bali")},
                {"id": "ntt", "label": _t("Nusa Tenggara Timur")},
            ],
        },
        {
            "id": "kota",
            "type": "single",
            "text": _t("Kota di ${prov}?", "City in ${prov}?"),
            "choices": _cities(),
            "choice_filter": "prov = ${prov}",
        },
        {
            # A long name: its answer keys ("usaha[2]/...") do not fit a ✏️ button.
            "id": JENIS,
            "type": "text",
            "text": _t("Jenis usaha?", "Kind of business?"),
            "repeat": "usaha",
        },
    ],
}


async def test_long_lists_page_and_cascade(tmp_path: Path) -> None:
    settings = harness.test_settings(tmp_path, surveys_dir=_write(tmp_path, LISTS))
    async with running_bot(settings) as bot:
        user = await _start(bot, 5, "daftar")
        await user.tap("Bali")
        # The filter leaves Bali's two: one screen, no pages.
        assert "Kota di Bali?" in user.text
        assert user.buttons() == ["Denpasar", "Badung", "◀️ Kembali"]
        await user.tap("Kembali")
        await user.tap("Nusa Tenggara Timur")
        # NTT's 24 cities, ten at a time.
        assert "Hlm. 1 dari 3" in user.text
        first = user.buttons()
        assert first[:10] == [f"Kota NTT {n:02d}" for n in range(1, 11)]
        assert "Denpasar" not in first
        assert "Berikutnya »" in first and "« Sebelumnya" not in first
        await user.tap("Berikutnya »")
        await user.tap("Berikutnya »")
        last = user.buttons()
        assert last[:4] == ["Kota NTT 21", "Kota NTT 22", "Kota NTT 23", "Kabupaten Panjang"]
        # An id too long for a button is named by its place in the list.
        data = user.find_button("Kabupaten Panjang")["callback_data"]
        tap = SurveyTap.unpack(data)
        assert tap is not None and tap.arg == "#25"
        await user.tap("Kabupaten Panjang")
        assert answers(settings, 5)["kota"] == "kabupaten_" + "x" * 70
        # Back to the list: its page is the answer's; typing a label still works.
        await user.tap("Kembali")
        assert "Kabupaten Panjang" in " ".join(user.buttons())
        await user.send("kota ntt 07")
        assert answers(settings, 5)["kota"] == "ntt07"
        no_refusals(bot)


async def test_another_round_until_done(tmp_path: Path) -> None:
    settings = harness.test_settings(tmp_path, surveys_dir=_write(tmp_path, LISTS))
    async with running_bot(settings) as bot:
        user = await _start(bot, 6, "daftar")
        await user.tap("Bali")
        await user.tap("Badung")
        assert "Usaha ke-1" in user.text.split("\n")[0]
        await user.send("Warung")
        assert "Tambah usaha lagi?" in user.text
        assert user.buttons()[:2] == ["➕ Tambah usaha", "Selesai"]
        await user.tap("Tambah usaha")
        assert "Usaha ke-2" in user.text.split("\n")[0]
        await user.send("Laundry")
        await user.tap("Selesai")
        assert "Periksa kembali jawaban Anda" in user.text
        assert "4. Usaha ke-1 › Tambah usaha lagi?\n    Ya" in user.text
        assert "5. Usaha ke-2 › Jenis usaha?\n    Laundry" in user.text
        # Its ✏️ names the line by its place ("#4"), the key being too long for a button.
        tap = SurveyTap.unpack(user.find_button("✏️ 5")["callback_data"])
        assert tap is not None and tap.arg == "#4"
        await user.tap("✏️ 5")
        assert "Usaha ke-2" in user.text.split("\n")[0] and "Jenis usaha?" in user.text
        await user.send("Binatu")
        await user.tap("Kirim")
        assert answers(settings, 6) == {
            "prov": "bali",
            "kota": "badung",
            f"usaha[1]/{JENIS}": "Warung",
            "usaha[1]/+": True,
            f"usaha[2]/{JENIS}": "Binatu",
            "usaha[2]/+": False,
        }
        no_refusals(bot)


LONG_FORM: dict[str, Any] = {
    "id": "panjang",
    "title": _t("Formulir panjang", "Long form"),
    "questions": [
        {
            "id": f"q{n:02d}",
            "type": "text",
            "text": _t(f"Pertanyaan nomor {n:02d} tentang usaha dan pekerjaan Anda sehari-hari"),
            # A form's note at the end comes with the review.
        }
        for n in range(1, 33)
    ]
    + [{"id": "akhir", "type": "note", "text": _t("Hampir selesai: periksa lalu kirim.")}],
}


async def test_the_review_of_a_long_form_pages(tmp_path: Path) -> None:
    settings = harness.test_settings(tmp_path, surveys_dir=_write(tmp_path, LONG_FORM))
    async with running_bot(settings) as bot:
        user = await _start(bot, 7, "panjang")
        for n in range(1, 33):
            await user.send(f"Jawaban {n:02d} " + "panjang sekali " * 6)
        assert user.text.startswith("Hampir selesai: periksa lalu kirim.")
        assert "Hlm. 1 dari 3" in user.text
        assert len(user.text) <= 4096
        assert "✏️ 15" in user.buttons() and "✏️ 16" not in user.buttons()
        await user.tap("Berikutnya »")
        assert "16. Pertanyaan nomor 16" in user.text
        assert user.buttons()[0] == "✏️ 16"
        await user.tap("✏️ 20")
        assert "Pertanyaan nomor 20" in user.text
        await user.send("Diubah")
        # Back on the review at the page of the answer changed, not the first.
        assert "Periksa kembali jawaban Anda" in user.text and "Hlm. 2 dari 3" in user.text
        assert "20. Pertanyaan nomor 20" in user.text and "\n    Diubah\n" in user.text
        await user.tap("Kirim")
        stored = answers(settings, 7)
        assert stored["q20"] == "Diubah" and len(stored) == 32
        no_refusals(bot)


async def test_the_fake_telegram_takes_reply_keyboards_as_telegram_does() -> None:
    """A reply keyboard stays with the chat until removed; a message has one kind of markup;
    an edit takes inline keyboards only. Else the location button's tests prove nothing."""
    telegram = FakeTelegram()
    location = {"keyboard": [[{"text": "📍", "request_location": True}]]}
    sent = await telegram.call("sendMessage", {"chat_id": 9, "text": "a", "reply_markup": location})
    assert "reply_markup" not in sent  # a Message's reply_markup is an inline keyboard only
    assert telegram.chat(9).keyboard == location
    refused = [
        (
            "editMessageText",
            {"message_id": sent["message_id"], "text": "b", "reply_markup": location},
        ),
        ("sendMessage", {"text": "c", "reply_markup": {**location, "inline_keyboard": []}}),
        ("sendMessage", {"text": "d", "reply_markup": {"keyboard": [[{"text": " "}]]}}),
        ("sendMessage", {"text": "e", "reply_markup": {"remove_keyboard": False}}),
        (
            "sendMessage",
            {
                "text": "f",
                "reply_markup": {
                    "keyboard": [[{"text": "x", "request_location": True, "request_contact": True}]]
                },
            },
        ),
    ]
    for method, params in refused:
        with pytest.raises(ApiError):
            await telegram.call(method, {"chat_id": 9, **params})
    assert len(telegram.refusals) == len(refused)
    await telegram.call("sendMessage", {"chat_id": 9, "text": "g", "reply_markup": REMOVE})
    assert telegram.chat(9).keyboard is None


REMOVE = {"remove_keyboard": True}


CONDITIONAL: dict[str, Any] = {
    "id": "syarat",
    "title": _t("Syarat", "Conditions"),
    "questions": [
        {
            "id": "punya",
            "type": "single",
            "text": _t("Punya usaha?", "Own a business?"),
            "choices": [
                {"id": "ya", "label": _t("Ya", "Yes")},
                {"id": "tidak", "label": _t("Tidak", "No")},
            ],
        },
        {
            "id": "alasan",
            "type": "text",
            "text": _t("Ceritakan usaha Anda.", "Tell us about your business."),
            "required": False,
            "required_if": "${punya} = 'ya'",
            "required_message": _t(
                "Karena Anda punya usaha, mohon ceritakan sedikit.",
                "As you own a business, please tell us a little.",
            ),
        },
        {
            "id": "alat",
            "type": "multi",
            "text": _t("Alat apa yang Anda pakai?", "Which tools do you use?"),
            "min_choices": 0,
            "required": False,
            "choices": [{"id": f"a{n:02d}", "label": _t(f"Alat {n:02d}")} for n in range(1, 26)],
        },
    ],
}


async def test_required_if_and_a_long_multiple_choice(tmp_path: Path) -> None:
    settings = harness.test_settings(tmp_path, surveys_dir=_write(tmp_path, CONDITIONAL))
    async with running_bot(settings) as bot:
        user = await _start(bot, 8, "syarat", "en")
        await user.tap("Yes")
        # Required now: Skip answers with the form's own message, and nothing is stored.
        await user.tap("Skip")
        toast = bot.telegram.calls_to("answerCallbackQuery")[-1].params.get("text")
        assert toast == "As you own a business, please tell us a little."
        assert "alasan" not in answers(settings, 8)
        await user.tap("Back")
        await user.tap("No")
        await user.tap("Skip")  # not required now
        assert answers(settings, 8)["alasan"] is None
        # 25 tools, ten at a time; ticks on two pages are kept.
        assert "Page 1 of 3" in user.text
        await user.tap("Alat 02")
        await user.tap("Next »")
        await user.tap("Alat 14")
        assert "✅ Alat 14" in user.buttons() and "Done (2 chosen)" in user.buttons()
        await user.tap("Done (2 chosen)")
        assert answers(settings, 8)["alat"] == ["a02", "a14"]
        assert "Please check your answers" in user.text
        no_refusals(bot)


async def test_my_data_shows_rounds_and_places(tmp_path: Path) -> None:
    settings = harness.test_settings(tmp_path, surveys_dir=_write(tmp_path, HOUSEHOLD, PLACE))
    async with running_bot(settings) as bot:
        user = await _start(bot, 9, "rumah")
        await user.send("Sri")
        await user.send("1")
        await user.send("51")
        await user.tap("✅ OK")
        await user.tap("Kirim")
        await user.send("/start tempat")
        await user.send("-8.65, 115.22")
        await user.tap("Lewati")
        await user.send("Dekat pantai")
        await user.tap("Kirim")
        await user.send("/dataku")
        mine = next(m["text"] for m in reversed(user.messages) if "Data Anda" in m["text"])
        assert "• Anggota rumah tangga ke-1 › Berapa umurnya?\n  51" in mine
        assert "• Berapa orang tinggal di rumah Sri?\n  1" in mine
        assert "• Di mana tempat usaha Anda?\n  -8.65, 115.22" in mine
        assert "• Data ini hanya untuk program Sri.\n  OK" in mine
        # An answer held that the form would not show now (here a second round beyond the
        # count of one, written into the database behind the bot's back) is still listed:
        # /dataku shows everything held about the person.
        with sqlite3.connect(settings.database_path) as db:
            db.execute(
                "INSERT INTO answers (response_id, question_id, value, answered_at) "
                "SELECT id, 'anggota[2]/umur', '40', submitted_at FROM responses "
                "WHERE user_id = 9 AND survey_id = 'rumah'"
            )
        await user.send("/dataku")
        mine = next(m["text"] for m in reversed(user.messages) if "Data Anda" in m["text"])
        assert "• Anggota rumah tangga ke-2 › Berapa umurnya?\n  40" in mine
        no_refusals(bot)


CONSENT_TEXT = "\n".join(
    f"{n}. Data Anda dipakai hanya untuk program ini dan disimpan dengan aman, sesuai UU PDP."
    for n in range(1, 61)
)
LONG_NOTE: dict[str, Any] = {
    "id": "izin",
    "title": _t("Izin", "Consent"),
    "questions": [
        {"id": "nama", "type": "text", "text": _t("Nama usaha?", "Business name?")},
        {"id": "penjelasan", "type": "note", "text": _t(CONSENT_TEXT)},
        {"id": "setuju", "type": "acknowledge", "text": _t("Saya sudah membaca semuanya.")},
    ],
}


async def test_a_note_too_long_for_the_question_comes_whole_before_it(tmp_path: Path) -> None:
    settings = harness.test_settings(tmp_path, surveys_dir=_write(tmp_path, LONG_NOTE))
    async with running_bot(settings) as bot:
        user = await _start(bot, 10, "izin")
        await user.send("Warung Sri")
        # The consent text in messages of its own (nothing cut), then the question.
        assert "Saya sudah membaca semuanya." in user.text
        assert "Data Anda dipakai" not in user.text
        before = [m["text"] for m in user.messages[-3:-1]]
        assert before[0].startswith("1. Data Anda dipakai")
        assert "\n".join(before) == CONSENT_TEXT
        await user.tap("✅ OK")
        assert "Periksa kembali jawaban Anda" in user.text
        # Back to it: by a tap, the notes again before the question, sent anew.
        await user.tap("Kembali")
        assert "Saya sudah membaca semuanya." in user.text
        assert user.messages[-2]["text"].endswith("60. " + CONSENT_TEXT.rsplit("60. ", 1)[1])
        no_refusals(bot)


async def test_the_location_button_in_english(tmp_path: Path) -> None:
    settings = harness.test_settings(tmp_path, surveys_dir=_write(tmp_path, PLACE))
    async with running_bot(settings) as bot:
        user = await _start(bot, 11, "tempat", "en")
        assert "Tap “📍 Send my location” below" in user.messages[-2]["text"]
        assert user.text == "👇 Use the “📍 Send my location” button below."
        keyboard = _keyboard(bot, user)
        assert keyboard is not None
        assert keyboard["input_field_placeholder"] == "Or type: latitude, longitude"
        await user.send("100, 20")
        assert user.text.startswith("⚠️ Those coordinates do not exist")
        await user.tap("Skip")
        await user.deliver(_location_update(user, 1.5, 124.8))
        assert user.messages[-2]["text"] == "📍 Your location: 1.5, 124.8"
        assert "Any notes?" in user.text
        no_refusals(bot)
