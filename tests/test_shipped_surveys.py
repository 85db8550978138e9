"""Complete runs of the shipped surveys through the real bot, in both languages."""

from __future__ import annotations

from bot.config import BUNDLED_SURVEYS
from bot.core.survey.loader import load_surveys
from bot.testing.harness import Bot
from tests.helpers import answers, consent, pelatihan_shortest, rows


def test_shipped_surveys_are_complete_in_both_languages() -> None:
    surveys = load_surveys(BUNDLED_SURVEYS)
    assert set(surveys) == {"bpjs", "pelatihan"}
    for survey in surveys.values():
        assert 12 <= len(survey.questions) <= 20
        texts = [survey.title, survey.description, survey.thanks]
        for q in survey.questions:
            texts += [q.text, q.hint, q.error, getattr(q, "unit", None)]
            texts += [c.label for c in getattr(q, "choices", [])]
            texts += list(getattr(q, "labels", {}).values())
        for text in filter(None, texts):
            assert text.get("id") and text.get("en"), (survey.id, text)
        assert any(q.show_if for q in survey.questions)
        assert any(not q.required for q in survey.questions)


async def test_bpjs_member_from_event_qr_code(bot: Bot) -> None:
    """A Kupang ojol driver, registered as a BPU member, arriving from the event's QR code."""
    user = bot.user(501)
    await user.send("/start bpjs_kupang")
    assert "Sebelum mulai: tentang data Anda" in user.text
    assert "UU No. 27 Tahun 2022" in user.text
    await user.tap("Setuju")
    assert "Akses BPJS Ketenagakerjaan bagi pekerja lepas" in user.text
    assert "Pertanyaan 1 dari 18" in user.text
    await user.tap("25-34 tahun")
    await user.send("kota kupang")
    await user.tap("Kota Kupang")
    await user.tap("Ojek/taksi online")
    await user.tap("Gojek")
    await user.tap("Maxim")
    await user.tap("Selesai")
    await user.tap("Pekerjaan utama")
    await user.send("6")
    await user.tap("4 sampai 8 jam")
    await user.tap("Rp2-3,5 juta")
    await user.tap("Ya, daftar sendiri (mandiri)")
    assert "Pertanyaan 10 dari" in user.text
    await user.tap("JKK")
    await user.tap("JKM")
    await user.tap("Selesai")
    await user.tap("Sendiri lewat aplikasi JMO")
    await user.tap("Belum pernah klaim")
    # members skip the reasons for not joining
    await user.tap("Iuran dipotong per transaksi")
    await user.tap("Klaim lebih mudah")
    await user.tap("Selesai")
    await user.tap("Tidak")  # no work accident: the follow-up is hidden
    await user.tap("Lewati")  # optional suggestion
    assert "Periksa kembali jawaban Anda" in user.text
    assert "Kota Kupang, Nusa Tenggara Timur" in user.text
    await user.tap("Kirim")
    assert "JMO" in user.text  # the survey's own thank-you text

    stored = answers(bot.services.settings, 501)
    assert stored == {
        "usia": "u25_34",
        "wilayah_kerja": "53.71",
        "jenis_pekerjaan": "ojol",
        "platform": ["gojek", "maxim"],
        "status_kerja": "utama",
        "hari_per_minggu": 6,
        "jam_per_hari": "j4_8",
        "pendapatan": "rp2_35jt",
        "status_bpjs": "mandiri",
        "program_bpjs": ["jkk", "jkm"],
        "cara_bayar": "jmo",
        "klaim_bpjs": "belum",
        "bantuan": ["potong_per_transaksi", "klaim_mudah"],
        "kecelakaan_kerja": False,
        "saran": None,
    }
    (response,) = rows(bot.services.settings, "SELECT * FROM responses")
    assert (response["status"], response["source"], response["survey_id"]) == (
        "submitted",
        "bpjs_kupang",
        "bpjs",
    )
    (consent_row,) = rows(bot.services.settings, "SELECT * FROM consents")
    assert consent_row["user_id"] == 501 and consent_row["purpose"] == "survey"
    # The question message was edited in place, not re-sent for every tap.
    assert len(user.messages) < 12


async def test_bpjs_non_member_branch(bot: Bot) -> None:
    user = bot.user(502)
    await consent(user, "bpjs")
    await user.tap("18-24 tahun")
    await user.send("Palembang")
    await user.tap("Kota Palembang")
    await user.tap("Kurir barang/makanan")
    await user.tap("Lalamove")
    await user.tap("Selesai")
    await user.tap("Pekerjaan sampingan")
    await user.send("3")
    await user.tap("Kurang dari 4 jam")
    await user.tap("Tidak ingin menjawab")
    await user.tap("Belum pernah")
    assert "alasan" in user.text.lower() or "Mengapa" in user.text
    await user.tap("Penghasilan tidak tetap")
    await user.tap("Lainnya")
    await user.tap("Selesai")
    await user.send("Belum sempat")
    await user.tap("Mungkin, perlu info dulu")
    await user.tap("Sosialisasi di komunitas")
    await user.tap("Selesai")
    await user.tap("Ya")
    await user.tap("Biaya sendiri/keluarga")
    await user.tap("Selesai")
    await user.send("Mohon iuran bisa dibayar harian")
    await user.tap("Kirim")
    stored = answers(bot.services.settings, 502)
    assert stored["alasan_belum"] == (["penghasilan_tidak_tetap", "lainnya"], "Belum sempat")
    assert stored["minat_iuran"] == "mungkin"
    assert stored["biaya_kecelakaan"] == ["sendiri"]
    assert not {"program_bpjs", "cara_bayar", "klaim_bpjs"} & set(stored)
    assert stored["wilayah_kerja"] == "16.71"


async def test_pelatihan_in_english_umkm_branch(bot: Bot) -> None:
    user = bot.user(601, language_code="en")
    await user.send("/start latih")
    assert "Before we start: your data" in user.text
    await user.tap("Agree")
    assert "Question 1 of" in user.text
    await user.tap("(MSME)")
    await user.tap("Food and drink")
    await user.tap("(micro)")
    await user.tap("Yes")
    await user.tap("Senior secondary")
    await user.tap("social media")
    await user.tap("Done")
    await user.tap("BNSP")
    await user.send("Juru masak")
    await user.tap("4")
    await user.tap("Yes")
    await user.send("15/8/2024")
    await user.tap("Digital marketing")
    await user.tap("Trademark")
    await user.tap("Done")
    await user.tap("Live online")
    await user.send("2.5")
    await user.tap("Weekend")
    await user.tap("Done")
    await user.tap("Training fees")
    await user.tap("Done")
    await user.tap("Free ones only")
    await user.tap("Skip")
    assert "Please check your answers" in user.text
    assert "Thursday, 15 August 2024" in user.text
    await user.tap("Submit")
    assert "Thank you" in user.text
    stored = answers(bot.services.settings, 601)
    assert stored["peran"] == "umkm" and stored["omzet"] == "mikro"
    assert stored["punya_nib"] is True
    assert stored["terakhir_pelatihan"] == "2024-08-15"
    assert stored["jam_per_minggu"] == 2.5
    assert stored["jadwal"] == ["akhir_pekan"]
    assert len(stored) == 18


async def test_pelatihan_short_branch(bot: Bot) -> None:
    """An ojol driver who never trained and wants recorded video: 12 of 18 questions."""
    user = bot.user(602)
    await consent(user, "pelatihan")
    await pelatihan_shortest(user, suggestion="Terima kasih")
    assert "Periksa kembali" in user.text
    await user.tap("Kirim")
    stored = answers(bot.services.settings, 602)
    assert len(stored) == 12
    assert stored["format"] == "video" and stored["saran"] == "Terima kasih"
    # UMKM questions, the certificate name and the schedule (video) were never asked.
    assert not {"bidang_usaha", "omzet", "punya_nib", "nama_sertifikat", "jadwal"} & set(stored)
