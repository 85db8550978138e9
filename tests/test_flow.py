"""Every question type through the real bot: valid and invalid input, skip logic, back, review."""

from __future__ import annotations

from bot.testing.harness import Bot
from tests.helpers import answers, consent, rows, to_review


async def _to_platform(mini: Bot, user_id: int = 1):
    user = mini.user(user_id)
    await consent(user, "uji")
    assert "Pertanyaan 1 dari" in user.text
    return user


async def test_complete_run_of_every_type(mini: Bot) -> None:
    user = await _to_platform(mini)
    assert "Apa pekerjaan Anda?" in user.text
    await user.tap("Ojek online")
    # multiple choice: toggles show what is selected, Done submits
    await user.tap("Gojek")
    assert "✅ Gojek" in user.buttons()
    assert "Selesai (1 dipilih)" in user.buttons()
    await user.tap("Grab")
    await user.tap("Selesai")
    # skip logic: ojol sees the motorbike question
    assert "merek motor" in user.text
    await user.send("Honda")
    assert "hari kerja" in user.text
    await user.send("6")
    assert "km" in user.text
    await user.send("12,5")  # Indonesian decimal comma
    assert "BPJS" in user.text
    await user.tap("Ya")
    assert "puas" in user.text  # shown because bpjs == yes
    await user.tap("4")
    await user.send("1/10/2025")
    assert "provinsi" in user.text.lower()
    await user.send("kupang")
    await user.tap("Kota Kupang")
    assert "saran" in user.text.lower()
    await user.send("Iuran lebih murah")
    assert "Periksa kembali jawaban Anda" in user.text
    assert "Rabu, 1 Oktober 2025" in user.text
    assert "Kota Kupang, Nusa Tenggara Timur" in user.text
    await user.tap("Kirim")
    assert "Terima kasih" in user.messages[-2]["text"]  # then what comes next

    stored = answers(mini.app.bot_data["services"].settings, 1)
    assert stored == {
        "kerja": "ojol",
        "platform": ["gojek", "grab"],
        "merek_motor": "Honda",
        "hari": 6,
        "jarak": 12.5,
        "bpjs": True,
        "puas": 4,
        "mulai": "2025-10-01",
        "kota": "53.71",
        "saran": "Iuran lebih murah",
    }
    (response,) = rows(mini.services.settings, "SELECT * FROM responses WHERE user_id = 1")
    assert response["status"] == "submitted"
    assert response["source"] == "uji"


async def test_skip_logic_hides_questions_and_counts_progress(mini: Bot) -> None:
    user = await _to_platform(mini)
    assert "Pertanyaan 1 dari 10" in user.text
    await user.tap("Kurir")
    await user.tap("Tidak ada")
    await user.tap("Selesai")
    # kurir: no motorbike question; it no longer counts either
    assert "hari kerja" in user.text
    assert "Pertanyaan 3 dari 9" in user.text
    await user.send("5")
    await user.tap("Lewati")  # optional decimal
    await user.tap("Tidak")  # not a member -> satisfaction hidden
    assert "Kapan Anda mulai" in user.text
    assert "Pertanyaan 6 dari 8" in user.text
    stored = answers(mini.services.settings, 1)
    assert stored["jarak"] is None  # skipped is stored as skipped
    assert "merek_motor" not in stored and "puas" not in stored


async def test_other_please_specify(mini: Bot) -> None:
    user = await _to_platform(mini)
    await user.tap("Lainnya")
    assert "Lainnya" in user.text and "tuliskan" in user.text
    await user.send("   ")
    assert "terlalu pendek" in user.text
    await user.send("Tukang parkir")
    assert "Platform" in user.text
    assert answers(mini.services.settings, 1)["kerja"] == ("lainnya", "Tukang parkir")
    # multi with an "other" choice asks for it after Done
    await user.tap("Maxim")
    await user.tap("Lainnya")
    await user.tap("Selesai")
    assert "tuliskan" in user.text
    await user.send("Shopee")
    assert answers(mini.services.settings, 1)["platform"] == (["maxim", "lain"], "Shopee")


async def test_multi_choice_limits_and_exclusive(mini: Bot) -> None:
    user = await _to_platform(mini)
    await user.tap("Kurir")
    await user.tap("Selesai")  # nothing chosen yet
    assert "Selesai (0 dipilih)" in user.buttons()
    calls = mini.telegram.calls_to("answerCallbackQuery")
    assert "paling sedikit 1" in calls[-1].params["text"]
    await user.tap("Gojek")
    await user.tap("Grab")
    await user.tap("Maxim")  # max_choices is 2
    assert "paling banyak 2" in mini.telegram.calls_to("answerCallbackQuery")[-1].params["text"]
    assert "⬜ Maxim" in user.buttons()
    await user.tap("Tidak ada")  # exclusive: clears the others
    assert "✅ Tidak ada" in user.buttons() and "⬜ Gojek" in user.buttons()
    await user.tap("Gojek")  # picking another clears the exclusive one
    assert "⬜ Tidak ada" in user.buttons() and "✅ Gojek" in user.buttons()


async def test_typed_answers_are_validated(mini: Bot) -> None:
    user = await _to_platform(mini)
    await user.send("2")  # a choice can be typed by its number
    await user.tap("Tidak ada")
    await user.tap("Selesai")
    for bad, expected in [
        ("banyak", "angka saja"),
        ("9", "angka 1 sampai 7"),
        ("2,5", "bilangan bulat"),
    ]:
        await user.send(bad)
        assert expected in user.text, (bad, user.text)
        assert "hari kerja" in user.text  # the question again
    await user.send("7")
    await user.send("600")
    assert "angka 0 sampai 500" in user.text
    await user.send("1.234,5")
    assert "angka 0 sampai 500" in user.text
    await user.send("0,5")
    await user.send("ya")  # yes/no typed
    await user.send("9")
    assert "Silakan pilih angka 1 sampai 5" in user.text
    await user.send("5")
    for bad, expected in [
        ("kemarin", "hari/bulan/tahun"),
        ("31/2/2024", "tidak ada"),
        ("1/1/1999", "tidak boleh sebelum Sabtu, 1 Januari 2000"),
        ("1/1/2999", "tidak boleh setelah"),
    ]:
        await user.send(bad)
        assert expected in user.text, (bad, user.text)
    await user.send("01-10-2025")
    assert answers(mini.services.settings, 1)["mulai"] == "2025-10-01"


async def test_text_length_limit(mini: Bot) -> None:
    user = await _to_platform(mini)
    await user.tap("Ojek online")
    await user.tap("Tidak ada")
    await user.tap("Selesai")
    await user.send("x" * 21)
    assert "paling banyak 20 karakter" in user.text
    assert "merek_motor" not in answers(mini.services.settings, 1)


async def test_back_keeps_answers_and_returns(mini: Bot) -> None:
    user = await _to_platform(mini)
    await user.tap("Kurir")
    await user.tap("Gojek")
    await user.tap("Selesai")
    await user.send("5")
    await user.tap("Kembali")
    assert "hari kerja" in user.text and "Jawaban Anda saat ini: 5" in user.text
    await user.tap("Kembali")
    assert "Platform" in user.text and "✅ Gojek" in user.buttons()
    await user.tap("Kembali")
    assert "Apa pekerjaan" in user.text and "✅ Kurir" in user.buttons()
    assert not any("Kembali" in b for b in user.buttons())  # no back on the first question
    # changing the first answer reveals the motorbike question, then continues where we were
    await user.tap("Ojek online")
    assert "merek motor" in user.text
    await user.send("Yamaha")
    assert "km" in user.text  # answered questions are not asked again


async def test_keep_button_moves_on_without_change(mini: Bot) -> None:
    user = await _to_platform(mini)
    await user.tap("Kurir")
    await user.tap("Kembali")
    await user.tap("Lanjut")
    assert "Platform" in user.text
    assert answers(mini.services.settings, 1)["kerja"] == "kurir"


async def _to_review(mini: Bot, user_id: int = 1):
    user = await _to_platform(mini, user_id)
    await to_review(user)
    assert "Periksa kembali" in user.text
    return user


async def test_edit_from_review(mini: Bot) -> None:
    user = await _to_review(mini)
    assert "(dilewati)" in user.text
    await user.tap("✏️ 3")  # days per week
    assert "hari kerja" in user.text
    await user.send("3")
    assert "Periksa kembali" in user.text  # straight back to the review
    assert answers(mini.services.settings, 1)["hari"] == 3
    # an edit that reveals a question asks it before returning to the review
    await user.tap("✏️ 5")  # BPJS membership
    await user.tap("Ya")
    assert "puas" in user.text
    await user.tap("5")
    assert "Periksa kembali" in user.text and "5 (Sangat puas)" in user.text
    await user.tap("Kirim")
    assert answers(mini.services.settings, 1)["puas"] == 5


async def test_changed_branch_drops_hidden_answers_on_submit(mini: Bot) -> None:
    user = await _to_review(mini)
    await user.tap("✏️ 5")
    await user.tap("Ya")
    await user.tap("3")
    await user.tap("✏️ 5")
    await user.tap("Tidak")  # satisfaction now hidden
    assert "Periksa kembali" in user.text and "puas" not in user.text
    await user.tap("Kirim")
    assert "puas" not in answers(mini.services.settings, 1)


async def test_region_paging_and_province_first(mini: Bot) -> None:
    user = await _to_review(mini)
    await user.tap("✏️ 7")
    # The page is said in the text, not shown as a button that does nothing; the page arrows
    # are words, unlike the ◀️ of Back below them.
    assert "Aceh" in user.buttons() and "Hlm. 1 dari 4" in user.text
    shown = user.buttons()
    assert shown[shown.index("◀️ Kembali") - 1] == "Berikutnya »" and "« Sebelumnya" not in shown
    assert not any("Hlm" in b or "Hal." in b or b in {"◀️", "▶️"} for b in user.buttons())
    await user.tap("Berikutnya »")
    await user.tap("Berikutnya »")
    assert "Hlm. 3 dari 4" in user.text
    shown = user.buttons()
    assert shown[shown.index("◀️ Kembali") - 2 :][:2] == ["« Sebelumnya", "Berikutnya »"]
    await user.tap("« Sebelumnya")
    assert "Hlm. 2 dari 4" in user.text
    await user.tap("Nusa Tenggara Timur")
    assert "Provinsi: Nusa Tenggara Timur" in user.text
    assert "Kota Kupang" in user.buttons() or "Hlm. 1 dari 3" in user.text
    while "Kota Kupang" not in user.buttons():
        await user.tap("Berikutnya »")
    await user.tap("Kota Kupang")
    assert "Periksa kembali" in user.text
    await user.send("zzzz")  # typing on the review
    assert "gunakan tombol" in user.text


async def test_region_search_not_found(mini: Bot) -> None:
    user = await _to_review(mini)
    await user.tap("✏️ 7")
    await user.send("xq")
    assert "tidak ditemukan" in user.text
    await user.send("Sleman")
    await user.tap("Kabupaten Sleman")
    assert answers(mini.services.settings, 1)["kota"] == "34.04"
