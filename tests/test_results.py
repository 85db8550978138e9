"""/hasil for staff: every survey's progress, one survey's summary with a chart per charted
question, filters by place and period, free-text words, small groups never broken down. The
figures shown are checked against the database read as an auditor (tests.helpers.rows)."""

from __future__ import annotations

import json
import re
from collections import Counter
from datetime import timedelta
from pathlib import Path
from statistics import median
from typing import Any

import pytest

from bot.config import BUNDLED_SURVEYS, Settings
from bot.core.results.tally import charted, title_of
from bot.core.survey.loader import load_surveys
from bot.core.survey.model import MultiChoice, Survey, YesNoQuestion
from bot.core.text import pick
from bot.storage.timefmt import from_db, to_db
from bot.testing import harness
from bot.testing.harness import Bot, FakeUser, running_bot
from handlers.buttons import ResultsFilter, ResultsShow, ResultsStep
from tests.helpers import no_refusals, rows
from tests.test_results_data import seed

STAFF, VISITOR = 901, 902
SURVEYS = load_surveys(BUNDLED_SURVEYS)
PNG = b"\x89PNG\r\n\x1a\n"
# Where the seeded respondents are: NTT 15 (Kota Kupang 12, Kabupaten Kupang 3), Jawa Barat 8,
# DKI Jakarta 2 (a province too small to show).
PLACES = {"53.71": 12, "53.01": 3, "32.73": 8, "31.71": 2}


@pytest.fixture
def staff_settings(tmp_path: Path) -> Settings:
    return harness.test_settings(tmp_path, admin_ids=frozenset({STAFF}))


def _toast(bot: Bot) -> Any:
    return bot.telegram.calls_to("answerCallbackQuery")[-1].params.get("text")


def since_id(user: FakeUser) -> int:
    return max((m["message_id"] for m in user.messages), default=0)


def message(user: FakeUser, message_id: int) -> dict[str, Any]:
    return next(m for m in user.messages if m["message_id"] == message_id)


def photos_after(user: FakeUser, first: int) -> list[dict[str, Any]]:
    return [m for m in user.messages if m["message_id"] > first and "photo" in m]


def db_counts(
    settings: Settings, survey: Survey, question: str, province: str = "", since: str = ""
) -> tuple[int, Counter[str]]:
    """(people who answered, count per answer) of submitted responses, read as an auditor."""
    region = next(q.id for q in survey.questions if q.type == "region")
    found = rows(
        settings,
        "SELECT r.id, a.value, (SELECT g.value FROM answers g WHERE g.response_id = r.id "
        "AND g.question_id = ?) AS place, r.submitted_at FROM responses r "
        "JOIN answers a ON a.response_id = r.id "
        "WHERE r.survey_id = ? AND r.status = 'submitted' AND a.question_id = ?",
        (region, survey.id, question),
    )
    tally: Counter[str] = Counter()
    answered = 0
    for row in found:
        place = json.loads(row["place"]) if row["place"] else ""
        if province and place.split(".")[0] != province and place != province:
            continue
        if since and row["submitted_at"] < since:
            continue
        value = json.loads(row["value"]) if row["value"] is not None else None
        if value is None:
            continue
        answered += 1
        for item in value if isinstance(value, list) else [value]:
            tally[str(item).lower()] += 1
    return answered, tally


def check_charts(
    settings: Settings,
    survey: Survey,
    photos: list[dict[str, Any]],
    locale: str,
    province: str = "",
    since: str = "",
) -> None:
    """One photo per charted question with enough answers, each caption's figures those of
    the database, in `locale`."""
    by_title = {title_of(q, locale): q for q in charted(survey)}
    seen = set()
    for photo in photos:
        assert photo["upload"].content.startswith(PNG)
        title, note, *bars = photo["caption"].split("\n")
        question = by_title[title]
        seen.add(question.id)
        answered, tally = db_counts(settings, survey, question.id, province, since)
        assert re.match(r"(\d+) ", note) and int(note.split()[0]) == answered
        labels = (
            {
                "true": "Ya" if locale == "id" else "Yes",
                "false": "Tidak" if locale == "id" else "No",
            }
            if isinstance(question, YesNoQuestion)
            else {c.id: pick(c.label, locale) for c in getattr(question, "choices", [])}
        )
        shown = {}
        for line in bars:
            label, _, figures = line.removeprefix("• ").rpartition(": ")
            percent, count = re.fullmatch(r"(\d+)% \((\d+)\)", figures).groups()  # type: ignore[union-attr]
            shown[label] = int(count)
            assert int(percent) == round(int(count) * 100 / answered)
        assert (
            shown
            == {labels.get(k, k): tally.get(k, 0) for k in labels}
            | {k: v for k, v in tally.items() if k not in labels}
            or not labels
        )
        if isinstance(question, MultiChoice):
            assert sum(shown.values()) >= answered
        else:
            assert sum(shown.values()) == answered
    return None


async def test_every_shipped_survey_is_charted_and_its_figures_match_the_database(
    staff_settings: Settings,
) -> None:
    async with running_bot(staff_settings) as bot:
        now = bot.clock.now()
        next_user = 10_000
        for survey in SURVEYS.values():
            # One question answered by only 3 people: too few to chart.
            sparse = charted(survey)[-1].id
            next_user = seed(
                staff_settings, survey, PLACES, now, first_user=next_user, skip={sparse: 3},
                unfinished=4,
            )  # fmt: skip
        staff = bot.user(STAFF)
        await staff.send("/hasil")
        listing = staff.text
        assert listing.startswith("📊 Hasil survei")
        for survey in SURVEYS.values():
            started = rows(
                staff_settings,
                "SELECT COUNT(*) AS n FROM responses WHERE survey_id = ?",
                (survey.id,),
            )[0]["n"]
            done = rows(
                staff_settings,
                "SELECT COUNT(*) AS n FROM responses WHERE survey_id = ? AND status = 'submitted'",
                (survey.id,),
            )[0]["n"]
            assert (started, done) == (29, 25)
            assert f"Dimulai {started} · selesai {done} (86%) · median lama pengisian" in listing
        for survey in SURVEYS.values():
            await staff.send("/hasil")
            first = since_id(staff)
            await staff.tap("📊 " + pick(survey.title, "id"))
            summary = message(staff, first)  # the list became the summary
            assert "Jumlah responden dalam pilihan ini: 25" in summary["text"]
            assert "📍 Seluruh Indonesia · 🗓 Semua waktu" in summary["text"]
            sparse_title = title_of(charted(survey)[-1], "id")
            assert f"kurang dari 5):\n• {sparse_title}" in summary["text"]
            # Free text: its most common words (stop words such as "yang", "dan" left out).
            assert "Kata yang paling sering muncul: " in summary["text"]
            assert " yang (" not in summary["text"] and " dan (" not in summary["text"]
            assert "Jawaban terbaru:\n“Saya ingin" in summary["text"]
            photos = photos_after(staff, first)
            assert len(photos) == len(charted(survey)) - 1
            check_charts(staff_settings, survey, photos, "id")
        no_refusals(bot)


async def test_place_and_period_filters_and_small_groups_never_broken_down(
    staff_settings: Settings,
) -> None:
    survey = SURVEYS["bpjs"]
    async with running_bot(staff_settings) as bot:
        now = bot.clock.now()
        after = seed(staff_settings, survey, PLACES, now, first_user=20_000)
        # Five more in Kota Kupang, answered two months ago: outside "the last 30 days".
        seed(staff_settings, survey, {"53.71": 5}, now, first_user=after, days_ago=60)
        staff = bot.user(STAFF)
        await staff.send("/hasil")
        await staff.tap("📊 " + pick(survey.title, "id"))
        summary_id = since_id(staff) - len(charted(survey))  # the summary, then its charts
        assert "Jumlah responden dalam pilihan ini: 30" in message(staff, summary_id)["text"]

        # Places: provinces with at least 5 responses; DKI Jakarta's 2 are not offered.
        await staff.tap("📍 Wilayah", message(staff, summary_id))
        places = message(staff, summary_id)
        assert staff.buttons(places) == [
            "🇮🇩 Seluruh Indonesia",
            "Nusa Tenggara Timur (20)",
            "Jawa Barat (8)",
        ]
        assert "1 wilayah lain memiliki kurang dari 5 responden" in places["text"]
        first = since_id(staff)
        await staff.tap("Nusa Tenggara Timur (20)", places)
        summary = message(staff, summary_id)
        assert "📍 Nusa Tenggara Timur · 🗓 Semua waktu" in summary["text"]
        assert "Jumlah responden dalam pilihan ini: 20" in summary["text"]
        check_charts(staff_settings, survey, photos_after(staff, first), "id", province="53")

        # Within the province: Kota Kupang (17) is offered, Kabupaten Kupang (3) is not.
        await staff.tap("📍 Wilayah", summary)
        assert staff.buttons(message(staff, summary_id)) == [
            "« Provinsi lain",
            "Seluruh Nusa Tenggara Timur",
            "Kota Kupang (17)",
        ]
        # Period: the last 30 days leave out the five answers of two months ago.
        await staff.tap("Nusa Tenggara Timur", message(staff, summary_id))
        await staff.tap("🗓 Periode", message(staff, summary_id))
        first = since_id(staff)
        await staff.tap("30 hari terakhir", message(staff, summary_id))
        summary = message(staff, summary_id)
        assert "📍 Nusa Tenggara Timur · 🗓 30 hari terakhir" in summary["text"]
        assert "Jumlah responden dalam pilihan ini: 15" in summary["text"]
        since = to_db(now - timedelta(days=30))
        check_charts(staff_settings, survey, photos_after(staff, first), "id", "53", since)

        # A place too small, even when asked for with a button of one's own making: not broken
        # down, no chart, and said why.
        first = since_id(staff)
        forged = ResultsShow(survey.id, 0, "31").pack()
        await staff.deliver(staff.callback_update(forged, message(staff, summary_id)))
        summary = message(staff, summary_id)
        assert "Jumlah responden dalam pilihan ini: 2" in summary["text"]
        assert summary["text"].endswith(
            "Responden di sini kurang dari 5: hasil tidak dirinci agar tidak ada orang yang "
            "dapat dikenali."
        )
        assert "Punya smartphone" not in summary["text"]
        assert photos_after(staff, first) == []
        # Kabupaten Kupang's 3: the same.
        await staff.deliver(
            staff.callback_update(ResultsShow(survey.id, 0, "53.01").pack(), summary)
        )
        assert "kurang dari 5: hasil tidak dirinci" in message(staff, summary_id)["text"]
        assert photos_after(staff, first) == []
        # Data no /hasil wrote: a period it does not offer, a place that does not exist.
        for data in (
            ResultsShow(survey.id, 3, "").pack(),
            ResultsShow(survey.id, 0, "99.99").pack(),
            ResultsShow("tidakada", 0, "").pack(),
            ResultsFilter(survey.id, 0, ResultsStep.PLACES, "xx").pack(),
            "rs:bpjs",
        ):
            await staff.deliver(staff.callback_update(data, summary))
            assert _toast(bot) == "Tombol ini sudah tidak berlaku."
        assert photos_after(staff, first) == []
        # Back to the list.
        await staff.tap("« Semua survei", message(staff, summary_id))
        assert message(staff, summary_id)["text"].startswith("📊 Hasil survei")
        no_refusals(bot)


async def test_results_are_for_staff_only(staff_settings: Settings) -> None:
    survey = SURVEYS["bpjs"]
    async with running_bot(staff_settings) as bot:
        seed(staff_settings, survey, PLACES, bot.clock.now(), first_user=30_000)
        visitor = bot.user(VISITOR)
        await visitor.send("/perintahtidakada")
        unknown = visitor.text
        for command in ("/hasil", "/results"):
            await visitor.send(command)
            assert visitor.text == unknown  # word for word what an unknown command gets
        # Staff buttons, tapped by someone else (forwarded, or forged): nothing shown.
        mark = since_id(visitor)
        for data in (
            ResultsShow(survey.id, 0, "").pack(),
            ResultsFilter(survey.id, 0, ResultsStep.PLACES, "").pack(),
            ResultsFilter(survey.id, 0, ResultsStep.LIST, "").pack(),
        ):
            await visitor.deliver(visitor.callback_update(data, visitor.last))
            assert _toast(bot) == "Tombol ini sudah tidak berlaku."
        assert [m for m in visitor.messages if m["message_id"] > mark] == []
        assert not any("Hasil survei" in m.get("text", "") for m in visitor.messages)
        # /bantuan names /hasil to staff only.
        staff = bot.user(STAFF)
        for person in (staff, visitor):
            await person.send("/bantuan")
        assert "/hasil hasil survei: kemajuan, grafik per wilayah dan periode" in staff.text
        assert "/hasil" not in visitor.text
        no_refusals(bot)


async def test_results_in_english(staff_settings: Settings) -> None:
    survey = SURVEYS["bpjs"]
    async with running_bot(staff_settings) as bot:
        seed(staff_settings, survey, PLACES, bot.clock.now(), first_user=40_000, unfinished=1)
        staff = bot.user(STAFF, "en")
        await staff.send("/results")
        assert staff.text.startswith("📊 Survey results")
        assert "Started 26 · completed 25 (96%) · median time" in staff.text
        assert "Started 0 · completed 0" in staff.text  # the training survey: nobody yet
        first = since_id(staff)
        await staff.tap("📊 " + pick(survey.title, "en"))
        summary = message(staff, first)["text"]
        assert "📍 All of Indonesia · 🗓 All time" in summary
        assert "Responses in this selection: 25" in summary
        assert "Most common words: " in summary
        photos = photos_after(staff, first)
        assert len(photos) == len(charted(survey))
        check_charts(staff_settings, survey, photos, "en")
        assert any("• Never: " in p["caption"] for p in photos)  # status_bpjs in English
        assert staff.buttons(message(staff, first)) == [
            "📍 Place",
            "🗓 Period",
            "📣 Announce interim results",  # bpjs has a public question
            "« All surveys",
        ]
        no_refusals(bot)


async def test_median_time_to_finish_is_that_of_the_database(staff_settings: Settings) -> None:
    async with running_bot(staff_settings) as bot:
        for count, first in ((25, 90_000), (1, 91_000)):  # an odd number, then an even one
            seed(
                staff_settings, SURVEYS["bpjs"], {"53.71": count}, bot.clock.now(), first_user=first
            )
            durations = [
                (from_db(r["submitted_at"]) - from_db(r["started_at"])).total_seconds()
                for r in rows(
                    staff_settings,
                    "SELECT started_at, submitted_at FROM responses WHERE status = 'submitted'",
                )
            ]
            [bpjs] = [o for o in await bot.services.results.overview() if o.survey.id == "bpjs"]
            assert bpjs.median_seconds == pytest.approx(median(durations), abs=0.01)
            assert bpjs.completed == len(durations)


async def test_long_results_fit_telegrams_limits_in_whole_lines(tmp_path: Path) -> None:
    """Forty long choices and a dozen free-text questions: captions and the summary are cut
    after a whole line (never inside a tag), and Telegram refuses nothing."""
    choices = "\n".join(
        f'      - {{id: c{i}, label: {{id: "Pilihan nomor {i} dengan keterangan yang cukup '
        f'panjang sekali", en: "Choice {i}"}}}}'
        for i in range(40)
    )
    texts = "\n".join(
        f'  - {{id: t{i}, type: text, text: {{id: "Pertanyaan bebas {i}?", en: "Free {i}?"}}}}'
        for i in range(12)
    )
    folder = tmp_path / "surveys"
    folder.mkdir()
    (folder / "panjang.yaml").write_text(
        'id: panjang\ntitle: {id: "Survei panjang", en: "Long survey"}\nquestions:\n'
        '  - id: pilihan\n    type: single\n    text: {id: "Pilih satu", en: "Pick one"}\n'
        f"    choices:\n{choices}\n"
        '  - {id: tempat, type: region, text: {id: "Di mana?", en: "Where?"}}\n'
        f"{texts}\n",
        encoding="utf-8",
    )
    settings = harness.test_settings(tmp_path, surveys_dir=folder, admin_ids=frozenset({STAFF}))
    async with running_bot(settings) as bot:
        survey = bot.services.surveys.surveys["panjang"]
        seed(settings, survey, {"53.71": 30}, bot.clock.now(), first_user=95_000)
        staff = bot.user(STAFF)
        await staff.send("/hasil")
        first = since_id(staff)
        await staff.tap("📊 Survei panjang")
        summary = message(staff, first)
        assert summary["text"].endswith("\n…")
        assert len(summary["text"]) < 4096 and "Pertanyaan bebas 0" in summary["text"]
        [photo] = photos_after(staff, first)
        assert photo["caption"].endswith("\n…") and len(photo["caption"]) <= 1024
        assert photo["caption"].startswith("Pilih satu\n30 orang menjawab\n• Pilihan nomor 0")
        no_refusals(bot)
