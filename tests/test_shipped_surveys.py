"""Complete runs of the shipped surveys through the real bot, in both languages.

Each run takes one branch of the skip logic the way a respondent would, by tapping (and typing
where people type); tests/test_survey_paths.py plays every path through the engine alone.
"""

from __future__ import annotations

from bot.config import BUNDLED_SURVEYS
from bot.core.survey.loader import load_surveys
from bot.testing.harness import Bot, FakeUser
from tests.helpers import answers, consent, pelatihan_shortest, rows


def test_shipped_surveys_are_complete_in_both_languages() -> None:
    surveys = load_surveys(BUNDLED_SURVEYS)
    assert set(surveys) == {"bpjs", "pelatihan"}
    for survey in surveys.values():
        assert len(survey.questions) >= 12
        texts = [survey.title, survey.description, survey.thanks]
        for q in survey.questions:
            texts += [q.text, q.short, q.hint, q.error, getattr(q, "unit", None)]
            texts += [c.label for c in getattr(q, "choices", [])]
            texts += list(getattr(q, "labels", {}).values())
        for text in filter(None, texts):
            assert text.get("id") and text.get("en"), (survey.id, text)
        assert any(q.show_if for q in survey.questions)
        assert any(not q.required for q in survey.questions)


async def _about_me(user: FakeUser, *, age: str, place: str, region: str) -> None:
    """Age, region, gender and disability: the first four questions of both surveys."""
    await user.tap(age)
    await user.send(place)
    await user.tap(region)
    await user.tap("Perempuan")
    await user.tap("Tidak ada kesulitan")


async def _bpjs_work(user: FakeUser, job: str, platforms: list[str], income: str) -> None:
    """From the job to the income: the work block of the BPJS survey."""
    await user.tap(job)
    for platform in platforms:
        await user.tap(platform)
    await user.tap("Selesai")
    await user.tap("Ya, milik sendiri")
    await user.tap("Pekerjaan utama")
    await user.send("6 hari")  # the buttons also take what people type
    await user.tap("4 jam–kurang dari 8 jam")
    await user.tap(income)


async def test_bpjs_member_from_event_qr_code(bot: Bot) -> None:
    """A Kupang ojol driver, registered as a BPU member, arriving from the event's QR code."""
    user = bot.user(501)
    await user.send("/start bpjs_kupang")
    assert "Sebelum mulai" in user.text  # the notice (its parts: tests/test_consent_and_privacy.py)
    await user.tap("Setuju")
    assert "BPJS Ketenagakerjaan: ojol, kurir, freelancer, pelaku usaha" in user.text
    assert "Pertanyaan 1 dari" in user.text
    assert "Di bawah 18" not in str(user.buttons())
    await _about_me(user, age="25–34 tahun", place="kota kupang", region="Kota Kupang")
    await _bpjs_work(user, "Ojol", ["Gojek", "Maxim"], "Rp2 juta–kurang dari Rp3,5 juta")
    await user.tap("Ya, mendaftar sendiri (mandiri)")
    assert "JP (pensiun)" not in user.buttons()  # not open to BPU members
    await user.tap("JKK")
    await user.tap("JKM")
    await user.tap("Selesai")
    await user.tap("Saya bayar lewat aplikasi JMO")
    await user.tap("Belum pernah klaim")
    # members skip the reasons for not joining and the amount they could pay
    assert "yang paling membantu" in user.text
    await user.tap("Iuran dipotong per transaksi")
    await user.tap("Klaim lebih mudah")
    await user.tap("Selesai")
    assert "Dalam 12 bulan terakhir" in user.text
    await user.tap("Tidak")  # no work accident: the follow-up is hidden
    await user.tap("Lewati")  # optional suggestion
    assert "Periksa kembali jawaban Anda" in user.text
    assert "Kota Kupang, Nusa Tenggara Timur" in user.text
    await user.tap("Kirim")
    assert "JMO" in user.messages[-2]["text"]  # its own thank-you, above what comes next

    stored = answers(bot.services.settings, 501)
    assert stored == {
        "usia": "u25_34",
        "wilayah_kerja": "53.71",
        "jenis_kelamin": "perempuan",
        "disabilitas": "tidak",
        "jenis_pekerjaan": "ojol",
        "platform": ["gojek", "maxim"],
        "smartphone": "sendiri",
        "status_kerja": "utama",
        "hari_per_minggu": "h6",
        "jam_per_hari": "j4_8",
        "pendapatan": "rp2_35jt",
        "status_bpjs": "mandiri",
        "program_bpu": ["jkk", "jkm"],
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
    assert response["survey_version"] == 2
    (consent_row,) = rows(bot.services.settings, "SELECT * FROM consents")
    assert consent_row["user_id"] == 501 and consent_row["purpose"] == "survey"
    # The question message was edited in place, not re-sent for every tap.
    assert len(user.messages) < 12


async def test_bpjs_signed_up_by_an_app_reaches_the_payment_question(bot: Bot) -> None:
    """A courier whose app signed them up: asked how it is paid (deducted by the app)."""
    user = bot.user(503)
    await consent(user, "bpjs")
    await _about_me(user, age="35–44 tahun", place="kupang", region="Kota Kupang")
    await _bpjs_work(user, "Kurir", ["Lalamove"], "Rp1 juta–kurang dari Rp2 juta")
    await user.tap("Ya, didaftarkan aplikasi/komunitas/pemda")
    await user.tap("Tidak tahu")  # which programmes: the exclusive "don't know"
    await user.tap("Selesai")
    assert "Bagaimana iuran BPJS Ketenagakerjaan Anda dibayar?" in user.text
    assert "Dibayarkan pemda atau desa" in user.buttons()
    await user.tap("Dipotong dari aplikasi kerja")
    await user.tap("Pernah, prosesnya lancar")
    await user.tap("Tidak tahu")  # what would help: the exclusive "don't know"
    await user.tap("Selesai")
    await user.tap("Lewati")  # the accident question may be skipped
    await user.tap("Lewati")
    await user.tap("Kirim")
    stored = answers(bot.services.settings, 503)
    assert stored["status_bpjs"] == "didaftarkan"
    assert stored["program_bpu"] == ["tidak_tahu"]
    assert stored["cara_bayar"] == "potong_aplikasi"
    assert stored["bantuan"] == ["tidak_tahu"]
    assert stored["kecelakaan_kerja"] is None
    assert not {"alasan_belum", "iuran_sanggup", "biaya_kecelakaan"} & set(stored)


async def test_bpjs_inactive_member_is_asked_about_claims_and_what_they_could_pay(
    bot: Bot,
) -> None:
    user = bot.user(504)
    await consent(user, "bpjs")
    await _about_me(user, age="45–54 tahun", place="soe", region="Timor Tengah Selatan")
    await _bpjs_work(user, "Ojek pangkalan", ["Tidak memakai aplikasi"], "Kurang dari Rp1 juta")
    await user.tap("Pernah, sekarang tidak aktif")
    assert "klaim" in user.text and "mencairkan JHT" in user.text
    await user.tap("Pernah, prosesnya lancar")
    await user.tap("Sudah mencairkan JHT")
    await user.tap("Penghasilan tidak tetap")
    await user.tap("Selesai")
    assert "Berapa iuran" in user.text
    assert user.buttons()[:4] == [
        "Kurang dari Rp16.800",
        "Rp16.800 (JKK dan JKM)",
        "Sekitar Rp36.800 (dengan JHT)",
        "Lebih dari Rp36.800",
    ]
    await user.tap("Rp16.800 (JKK dan JKM)")
    await user.tap("Harian")
    await user.tap("Bisa bayar harian")
    await user.tap("Selesai")
    await user.tap("Ya")
    await user.tap("Jasa Raharja")
    await user.tap("Selesai")
    await user.tap("Lewati")
    await user.tap("Kirim")
    stored = answers(bot.services.settings, 504)
    assert stored["klaim_bpjs"] == "lancar"
    assert stored["alasan_belum"] == ["penghasilan_tidak_tetap", "cairkan_jht"]
    assert (stored["iuran_sanggup"], stored["cara_iuran"]) == ("rp16800", "harian")
    assert stored["biaya_kecelakaan"] == ["jasa_raharja"]
    assert len(stored) == 20  # the longest path there is


async def test_bpjs_non_member_branch(bot: Bot) -> None:
    user = bot.user(502)
    await consent(user, "bpjs")
    await _about_me(user, age="18–24 tahun", place="Palembang", region="Kota Palembang")
    await _bpjs_work(user, "Kurir", ["Lalamove"], "Tidak ingin menjawab")
    await user.tap("Belum pernah")
    assert "alasan" in user.text.lower()
    await user.tap("Penghasilan tidak tetap")
    await user.tap("Lainnya")
    await user.tap("Selesai")
    await user.send("Belum sempat")
    await user.tap("Belum tahu")
    await user.tap("Dipotong per order")
    await user.tap("Penjelasan di komunitas")
    await user.tap("Selesai")
    await user.tap("Ya")
    await user.tap("Biaya sendiri atau keluarga")
    await user.tap("Selesai")
    await user.send("Mohon iuran bisa dibayar harian")
    await user.tap("Kirim")
    stored = answers(bot.services.settings, 502)
    assert stored["alasan_belum"] == (["penghasilan_tidak_tetap", "lainnya"], "Belum sempat")
    assert (stored["iuran_sanggup"], stored["cara_iuran"]) == ("tidak_tahu", "per_order")
    assert stored["biaya_kecelakaan"] == ["sendiri"]
    assert not {"program_bpu", "program_pekerja", "cara_bayar", "klaim_bpjs"} & set(stored)
    assert stored["wilayah_kerja"] == "16.71"


async def test_bpjs_tidak_tahu_is_not_asked_why_they_have_not_joined(bot: Bot) -> None:
    user = bot.user(505)
    await consent(user, "bpjs")
    await _about_me(user, age="55 tahun ke atas", place="kupang", region="Kota Kupang")
    await _bpjs_work(user, "Pelaku usaha", ["Media sosial"], "Rp5 juta atau lebih")
    await user.tap("Tidak tahu")
    assert "Berapa iuran" in user.text  # straight to the amount: no reasons, no claims


async def test_bpjs_employer_member_is_offered_jp_and_jkp(bot: Bot) -> None:
    user = bot.user(506, language_code="en")
    await consent(user, "bpjs")
    await user.tap("25–34 years")
    await user.send("bandung")
    await user.tap("Kota Bandung")
    await user.tap("Prefer not to say")
    await user.tap("Prefer not to say")
    await user.tap("Online freelancer")
    await user.tap("Freelance sites")
    await user.tap("Done")
    await user.tap("Yes, my own")
    await user.tap("Side job")
    await user.tap("2 days")
    await user.tap("Less than 4 hours")
    await user.tap("Rp5 million or more")
    await user.tap("Yes, through my employer")
    assert {"JP (pension)", "JKP (job-loss benefit)"} <= {
        b.removeprefix("⬜ ") for b in user.buttons()
    }
    await user.tap("JP (pension)")
    await user.tap("Done")
    assert "claim" in user.text  # the employer pays: no payment question
    stored = answers(bot.services.settings, 506)
    assert stored["program_pekerja"] == ["jp"]
    assert (stored["jenis_kelamin"], stored["disabilitas"]) == ("tidak_jawab", "tidak_jawab")


async def test_pelatihan_in_english_business_branch(bot: Bot) -> None:
    """A weaver in Kupang who sells her tenun ikat: the business questions, several
    certificates, past training from two providers, and live training on weekends."""
    user = bot.user(601, language_code="en")
    await user.send("/start latih")
    assert "Before we start: your data" in user.text
    await user.tap("Agree")
    assert "Question 1 of" in user.text
    await user.tap("35–44 years")
    await user.send("kupang")
    await user.tap("Kupang")  # the regency, not the city
    await user.tap("Female")
    await user.tap("Yes, some difficulty")
    await user.tap("Weaver/craftsperson")
    assert "sales per month" in user.text
    await user.tap("Rp1 million–less than Rp5 million")
    await user.tap("Yes")
    await user.tap("Senior secondary")
    await user.tap("family member")
    await user.tap("Sewing, weaving or crafts")
    await user.tap("Selling and serving customers")
    await user.tap("Done")
    await user.tap("BNSP certificate")
    await user.tap("From a BLK")
    await user.tap("Done")
    await user.tap("Sewing, weaving or crafts")
    await user.tap("Done")
    await user.tap("6–12 months ago")
    await user.tap("A local government office")
    await user.tap("An app")
    await user.tap("Done")
    await user.tap("It helped somewhat")
    await user.tap("Digital marketing")
    await user.tap("Trademark")
    await user.tap("Done")
    await user.tap("Live online")
    await user.tap("Saturday–Sunday")
    await user.tap("Monday–Friday evening")
    await user.tap("Done")
    await user.tap("Training fees")
    await user.tap("Done")
    await user.tap("Skip")
    assert "Please check your answers" in user.text
    await user.tap("Submit")
    assert "Thank you" in user.messages[-2]["text"]
    stored = answers(bot.services.settings, 601)
    assert stored["jenis_pekerjaan"] == "tenun_kriya" and stored["omzet_bulanan"] == "rp1_5jt"
    assert stored["wilayah_tinggal"] == "53.01"
    assert stored["punya_nib"] is True
    assert stored["sertifikat"] == ["bnsp", "blk_kursus"]
    assert stored["ingin_sertifikasi"] == ["menjahit_kriya"]
    assert stored["pelatihan_terakhir"] == "bln6_12"
    assert stored["penyelenggara"] == ["dinas", "platform"]
    assert stored["manfaat_pelatihan"] == "cukup"
    assert stored["jadwal"] == ["weekday_malam", "sabtu_minggu"]
    assert len(stored) == 20


async def test_pelatihan_short_branch(bot: Bot) -> None:
    """An ojol driver who never trained and wants recorded video: 15 of 20 questions."""
    user = bot.user(602)
    await consent(user, "pelatihan")
    await pelatihan_shortest(user, suggestion="Terima kasih")
    assert "Periksa kembali" in user.text
    await user.tap("Kirim")
    stored = answers(bot.services.settings, 602)
    assert len(stored) == 15
    assert stored["format"] == "video" and stored["saran"] == "Terima kasih"
    assert stored["pelatihan_terakhir"] == "belum_pernah"
    # Business questions, past training and the schedule (video) were never asked.
    hidden = {"omzet_bulanan", "punya_nib", "penyelenggara", "manfaat_pelatihan", "jadwal"}
    assert not hidden & set(stored)


async def test_pelatihan_no_training_needed_skips_format_and_times(bot: Bot) -> None:
    user = bot.user(603)
    await consent(user, "pelatihan")
    await _about_me(user, age="18–24 tahun", place="kupang", region="Kota Kupang")
    await user.tap("Kreator konten")
    await user.tap("SMA/MA/Paket C")
    await user.tap("Tidak punya")
    await user.tap("Belum ada keterampilan khusus")
    await user.tap("Selesai")
    await user.tap("Belum punya sertifikat")
    await user.tap("Selesai")
    await user.tap("Belum perlu sertifikat")
    await user.tap("Selesai")
    await user.tap("Belum pernah")
    await user.tap("Pemasaran digital")
    await user.tap("Belum butuh pelatihan")  # exclusive: clears the other tick
    await user.tap("Selesai")
    assert "menghambat" in user.text  # no format, no times
    await user.tap("Tidak ada hambatan")
    await user.tap("Selesai")
    await user.tap("Lewati")
    await user.tap("Kirim")
    stored = answers(bot.services.settings, 603)
    assert stored["topik"] == ["belum_butuh"]
    assert stored["keterampilan"] == ["tidak_ada"]
    assert not {"format", "jadwal"} & set(stored)
