"""Every path through the shipped surveys, and what their content promises.

The notice promises about 5 minutes, so no respondent may be shown more than 20 questions. The
paths are enumerated from the skip logic itself: at each question that some `show_if` looks at,
every answer that can change what shows next is tried (each choice; for a multiple choice, each
combination of the choices the conditions name; yes, no and skipped; numbers either side of a
threshold); any other question gets one ordinary answer. The engine decides what comes next, as
it does for a respondent.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from itertools import combinations
from pathlib import Path
from typing import Any

import pytest

from bot.config import BUNDLED_SURVEYS
from bot.core.survey import engine
from bot.core.survey.engine import REVIEW, Answer
from bot.core.survey.loader import load_surveys, parse_survey
from bot.core.survey.model import (
    ChoiceQuestion,
    Condition,
    DateQuestion,
    DecimalQuestion,
    IntegerQuestion,
    MultiChoice,
    Question,
    RegionQuestion,
    ScaleQuestion,
    SingleChoice,
    Survey,
    TextQuestion,
    YesNoQuestion,
)
from bot.core.survey.parse import parse_typed, toggle
from bot.core.text import pick

SURVEYS = load_surveys(BUNDLED_SURVEYS)
BPJS, PELATIHAN = SURVEYS["bpjs"], SURVEYS["pelatihan"]
MAX_SHOWN = 20
# Far more than the shipped surveys need: a runaway enumeration fails instead of hanging.
MAX_PATHS = 20_000


def _conditions(survey: Survey) -> dict[str, list[Condition]]:
    """The leaf conditions of every show_if, by the question they look at."""
    found: dict[str, list[Condition]] = {}
    for q in survey.questions:
        for leaf in q.show_if.referenced() if q.show_if else []:
            found.setdefault(leaf.question or "", []).append(leaf)
    return found


def _ordinary(q: Question) -> Any:
    """One plain answer, for a question no condition looks at."""
    if isinstance(q, SingleChoice):
        return next(c.id for c in q.choices if not c.other)
    if isinstance(q, MultiChoice):
        return [next(c.id for c in q.choices if not c.other and not c.exclusive)]
    if isinstance(q, IntegerQuestion | DecimalQuestion):
        return q.min if q.min is not None else 1
    if isinstance(q, ScaleQuestion):
        return q.min
    if isinstance(q, YesNoQuestion):
        return False
    if isinstance(q, DateQuestion):
        return date(2025, 10, 1).isoformat()
    if isinstance(q, RegionQuestion):
        return "53.71"
    assert isinstance(q, TextQuestion)
    return "jawaban"


def _multi_answers(q: MultiChoice, named: set[str]) -> list[list[str]]:
    """Each combination of the named choices a respondent can tick, and one tick of none."""
    top = q.max_choices or len(q.choices)
    picks: list[list[str]] = []
    for size in range(1, min(len(named), top) + 1):
        for combo in combinations(sorted(named), size):
            exclusive = [c for c in combo if (choice := q.choice(c)) and choice.exclusive]
            if not exclusive or len(combo) == 1:
                picks.append([c.id for c in q.choices if c.id in combo])
    rest = [c.id for c in q.choices if c.id not in named and not c.exclusive]
    if rest:
        picks.append(rest[:1])
    return picks


def _numbers(q: Question, leaves: list[Condition]) -> list[float]:
    low, high = getattr(q, "min", None), getattr(q, "max", None)
    step = 1 if isinstance(q, IntegerQuestion | ScaleQuestion) else 0.1
    around = {low, high}
    for leaf in leaves:
        for bound in (leaf.min, leaf.max):
            if bound is not None:
                around |= {bound - step, bound, bound + step}
    return sorted(
        v
        for v in around
        if v is not None and (low is None or v >= low) and (high is None or v <= high)
    )


def candidates(q: Question, leaves: list[Condition]) -> list[Any]:
    """The answers worth trying at `q`: every one that can change what shows next."""
    values: list[Any]
    if not leaves:
        values = [_ordinary(q)]
    elif isinstance(q, SingleChoice):
        values = [c.id for c in q.choices]
    elif isinstance(q, MultiChoice):
        named = {c for leaf in leaves for c in (leaf.any_of or []) + (leaf.none_of or [])}
        values = list(_multi_answers(q, named))
    elif isinstance(q, YesNoQuestion):
        values = [True, False]
    elif isinstance(q, IntegerQuestion | DecimalQuestion | ScaleQuestion):
        values = list(_numbers(q, leaves))
    else:
        values = [_ordinary(q)]
    return values + ([None] if not q.required else [])


def paths(survey: Survey) -> Iterator[tuple[list[str], dict[str, Answer]]]:
    """Every path from the first question to the review: the questions asked, and the answers."""
    looked_at = _conditions(survey)
    count = 0

    def walk(
        asked: list[str], answers: dict[str, Answer], current: str | None
    ) -> Iterator[tuple[list[str], dict[str, Answer]]]:
        nonlocal count
        following = engine.next_question(survey, answers, current)
        if following == REVIEW:
            count += 1
            assert count <= MAX_PATHS, f"{survey.id}: more than {MAX_PATHS} paths"
            yield asked, answers
            return
        question = survey.question(following)
        assert question is not None
        for value in candidates(question, looked_at.get(question.id, [])):
            yield from walk(
                [*asked, question.id], {**answers, question.id: Answer(value)}, question.id
            )

    yield from walk([], {}, None)


def longest(survey: Survey) -> list[str]:
    return max((asked for asked, _ in paths(survey)), key=len)


# -- the enumeration itself --------------------------------------------------------------------


def test_the_enumeration_finds_the_longest_path_through_combined_ticks(tmp_path: Path) -> None:
    """Two follow-ups of one multiple choice show together only when both choices are ticked;
    a numeric threshold and an optional trigger are tried either side."""
    (tmp_path / "s.yaml").write_text(
        """
id: s
title: {id: S}
questions:
  - id: apa
    type: multi
    text: {id: 'Apa?'}
    choices:
      - {id: x, label: {id: X}}
      - {id: y, label: {id: Y}}
      - {id: z, label: {id: Z}}
      - {id: tidak, label: {id: Tidak ada}, exclusive: true}
  - {id: ikut_x, type: yes_no, text: {id: 'X?'}, show_if: {question: apa, any_of: [x]}}
  - {id: ikut_y, type: yes_no, text: {id: 'Y?'}, show_if: {question: apa, any_of: [y]}}
  - {id: jam, type: integer, min: 0, max: 40, text: {id: 'Jam?'}}
  - {id: kapan, type: text, text: {id: 'Kapan?'}, show_if: {question: jam, min: 1}}
  - {id: setuju, type: yes_no, required: false, text: {id: 'Setuju?'}}
  - {id: kenapa, type: text, text: {id: 'Kenapa?'}, show_if: {question: setuju, equals: false}}
""",
        encoding="utf-8",
    )
    survey = parse_survey(tmp_path / "s.yaml")
    found = list(paths(survey))
    assert longest(survey) == ["apa", "ikut_x", "ikut_y", "jam", "kapan", "setuju", "kenapa"]
    assert ["apa", "jam", "setuju"] in [asked for asked, _ in found]  # nothing ticked that shows
    for asked, answers in found:
        assert asked == [q.id for q in engine.visible(survey, answers)]


# -- every path of the shipped surveys ---------------------------------------------------------


@pytest.mark.parametrize("survey_id", sorted(SURVEYS))
def test_no_path_shows_more_than_20_questions(survey_id: str) -> None:
    survey = SURVEYS[survey_id]
    found = list(paths(survey))
    assert len(found) > 1  # the skip logic branches
    for asked, answers in found:
        # What the respondent was asked is exactly what the submitted response keeps.
        assert asked == [q.id for q in engine.visible(survey, answers)]
        assert len(asked) <= MAX_SHOWN, (survey_id, len(asked), asked)
    # Every question shows on some path: none is unreachable.
    reached = {qid for asked, _ in found for qid in asked}
    assert reached == {q.id for q in survey.questions}


@pytest.mark.parametrize("survey_id", sorted(SURVEYS))
def test_the_count_on_screen_is_never_below_what_is_asked_nor_above_20(survey_id: str) -> None:
    """'Pertanyaan 3 dari N': N is the most that can still show, so it never grows as the
    respondent goes on, and it starts at the longest path (not at every question in the file)."""
    survey = SURVEYS[survey_id]
    first = survey.questions[0].id
    assert engine.progress(survey, {}, first) == (1, len(longest(survey)))
    for asked, answers in paths(survey):
        totals = []
        for i, qid in enumerate(asked):
            so_far = {q: answers[q] for q in asked[:i]}
            position, total = engine.progress(survey, so_far, qid)
            assert position == i + 1
            totals.append(total)
        assert all(len(asked) <= t <= MAX_SHOWN for t in totals), (asked, totals)
        assert totals == sorted(totals, reverse=True)
        assert totals[-1] == len(asked)
    # Remembered by what the answers decide, not by the answers: a handful of entries, however
    # many people answer (typed numbers, ticks of choices no condition names add none).
    assert len(survey.most_shown_memo) <= 50


def test_the_longest_paths_are_the_ones_the_files_describe() -> None:
    assert len(longest(BPJS)) == 20  # inactive member with a work accident
    assert len(longest(PELATIHAN)) == 20  # pelaku usaha, trained, wants live training


# -- BPJS content --------------------------------------------------------------------------------


def _visible(survey: Survey, **given: Any) -> set[str]:
    """Questions that show once `given` is answered and every other question plainly."""
    answers: dict[str, Answer] = {}
    current: str | None = None
    while (following := engine.next_question(survey, answers, current)) != REVIEW:
        question = survey.question(following)
        assert question is not None
        answers[following] = Answer(given.get(following, _ordinary(question)))
        current = following
    return {q.id for q in engine.visible(survey, answers)}


def test_status_through_an_app_community_or_pemda_reaches_the_payment_question() -> None:
    shown = _visible(BPJS, status_bpjs="didaftarkan")
    assert {"program_bpu", "cara_bayar", "klaim_bpjs"} <= shown
    assert not {"alasan_belum", "program_pekerja"} & shown
    payment = BPJS.by_id["cara_bayar"]
    assert isinstance(payment, SingleChoice)
    assert {"potong_aplikasi", "dibayar_pemda", "dibayar_lain"} <= {c.id for c in payment.choices}
    assert "cara_bayar" in _visible(BPJS, status_bpjs="mandiri")


def test_only_employer_members_are_offered_jp_and_jkp() -> None:
    employer = _visible(BPJS, status_bpjs="pemberi_kerja")
    assert "program_pekerja" in employer and "program_bpu" not in employer
    assert "cara_bayar" not in employer  # the employer pays
    offered = {
        qid: {c.id for c in q.choices}
        for qid in ("program_bpu", "program_pekerja")
        if isinstance(q := BPJS.by_id[qid], ChoiceQuestion)
    }
    assert offered["program_bpu"] == {"jkk", "jkm", "jht", "tidak_tahu"}
    assert offered["program_pekerja"] == offered["program_bpu"] | {"jp", "jkp"}


def test_inactive_members_see_claims() -> None:
    """Cashing out JHT is a common reason to become inactive: they are asked about claims."""
    shown = _visible(BPJS, status_bpjs="tidak_aktif")
    assert {"klaim_bpjs", "alasan_belum", "iuran_sanggup", "cara_iuran"} <= shown
    reasons = BPJS.by_id["alasan_belum"]
    assert isinstance(reasons, MultiChoice) and reasons.choice("cairkan_jht")


def test_tidak_tahu_respondents_are_not_non_members() -> None:
    """Someone who does not know may well be a member: not asked why they have not joined."""
    shown = _visible(BPJS, status_bpjs="tidak_tahu")
    assert "alasan_belum" not in shown
    assert not {"program_bpu", "program_pekerja", "cara_bayar", "klaim_bpjs"} & shown
    assert {"iuran_sanggup", "cara_iuran"} <= shown
    never = _visible(BPJS, status_bpjs="belum_pernah")
    assert {"alasan_belum", "iuran_sanggup"} <= never and "klaim_bpjs" not in never


def test_the_amount_question_is_neutral() -> None:
    """Amounts from below the minimum to above JHT, not 'would you join?'."""
    amount = BPJS.by_id["iuran_sanggup"]
    assert isinstance(amount, SingleChoice)
    labels = [pick(c.label, "id") for c in amount.choices]
    assert labels[:4] == [
        "Kurang dari Rp16.800",
        "Rp16.800 (JKK dan JKM)",
        "Sekitar Rp36.800 (dengan JHT)",
        "Lebih dari Rp36.800",
    ]
    text = pick(amount.text, "id").casefold()
    assert "berapa" in text and "mau" not in text and "apakah" not in text
    assert "Rp16.800" in pick(amount.hint, "id") and "Rp36.800" in pick(amount.hint, "id")
    rhythm = BPJS.by_id["cara_iuran"]
    assert rhythm.show_if == amount.show_if
    assert isinstance(rhythm, SingleChoice)
    assert {"harian", "mingguan", "bulanan"} <= {c.id for c in rhythm.choices}


def test_work_accidents_are_asked_over_the_last_12_months() -> None:
    accident = BPJS.by_id["kecelakaan_kerja"]
    assert "dalam 12 bulan terakhir" in pick(accident.text, "id").casefold()
    assert "past 12 months" in pick(accident.text, "en")
    assert "12 bulan" in pick(accident.short, "id")


def test_income_brackets_do_not_overlap() -> None:
    income = BPJS.by_id["pendapatan"]
    assert isinstance(income, SingleChoice)
    assert [pick(c.label, "id") for c in income.choices] == [
        "Kurang dari Rp1 juta",
        "Rp1 juta–kurang dari Rp2 juta",
        "Rp2 juta–kurang dari Rp3,5 juta",
        "Rp3,5 juta–kurang dari Rp5 juta",
        "Rp5 juta atau lebih",
        "Tidak ingin menjawab",
    ]


def test_days_a_week_are_buttons_that_also_take_what_people_type() -> None:
    days = BPJS.by_id["hari_per_minggu"]
    assert isinstance(days, SingleChoice)
    assert [pick(c.label, "id") for c in days.choices] == [f"{n} hari" for n in range(1, 8)]
    today = date(2026, 12, 2)
    for typed in ("5", "5 hari", "5 Hari"):
        assert parse_typed(days, typed, "id", today) == "h5"
    assert parse_typed(days, "5 days", "en", today) == "h5"


# -- pelatihan content ---------------------------------------------------------------------------


def test_business_questions_go_to_people_who_run_a_business() -> None:
    for job in ("umkm", "penjual_online", "tenun_kriya"):
        assert {"omzet_bulanan", "punya_nib"} <= _visible(PELATIHAN, jenis_pekerjaan=job)
    assert not {"omzet_bulanan", "punya_nib"} & _visible(PELATIHAN, jenis_pekerjaan="ojol")
    sales = PELATIHAN.by_id["omzet_bulanan"]
    assert "per bulan" in pick(sales.text, "id")
    assert isinstance(sales, SingleChoice)
    # Cut points inside 'mikro' (up to about Rp167 juta a month): several brackets below it.
    assert sum("kurang dari" in pick(c.label, "id").casefold() for c in sales.choices) >= 4


def test_past_training_is_a_period_then_who_gave_it_and_whether_it_helped() -> None:
    last = PELATIHAN.by_id["pelatihan_terakhir"]
    assert isinstance(last, SingleChoice)
    assert [pick(c.label, "id") for c in last.choices] == [
        "Kurang dari 6 bulan lalu",
        "6–12 bulan lalu",
        "1–3 tahun lalu",
        "Lebih dari 3 tahun lalu",
        "Belum pernah",
    ]
    assert not any(isinstance(q, DateQuestion) for q in PELATIHAN.questions)
    trained = _visible(PELATIHAN, pelatihan_terakhir="kurang_6bln")
    assert {"penyelenggara", "manfaat_pelatihan"} <= trained
    assert not {"penyelenggara", "manfaat_pelatihan"} & _visible(
        PELATIHAN, pelatihan_terakhir="belum_pernah"
    )
    providers = PELATIHAN.by_id["penyelenggara"]
    assert isinstance(providers, MultiChoice)
    assert {"prakerja", "blk", "dinas", "platform"} <= {c.id for c in providers.choices}


def test_training_times_fit_people_who_work_every_day() -> None:
    times = PELATIHAN.by_id["jadwal"]
    assert isinstance(times, MultiChoice)
    labels = [pick(c.label, "id") for c in times.choices]
    for wanted in ("Senin–Jumat pagi", "Senin–Jumat siang", "Senin–Jumat malam", "Sabtu–Minggu"):
        assert wanted in labels
    assert not any("hari kerja" in label.casefold() for label in labels)
    assert "jadwal" not in _visible(PELATIHAN, format="video")
    assert "jadwal" in _visible(PELATIHAN, format="tatap_muka")


def test_several_certificates_and_the_skill_to_certify() -> None:
    held = PELATIHAN.by_id["sertifikat"]
    assert isinstance(held, MultiChoice) and held.max_choices is None
    wanted = PELATIHAN.by_id["ingin_sertifikasi"]
    assert isinstance(wanted, MultiChoice)
    assert wanted.choice("mengemudi") and wanted.choice("menjahit_kriya")


# -- both surveys --------------------------------------------------------------------------------


def test_one_job_list_for_both_surveys() -> None:
    """The same question, word for word: answers from the two surveys can be put side by side."""
    assert BPJS.by_id["jenis_pekerjaan"] == PELATIHAN.by_id["jenis_pekerjaan"]
    assert BPJS.by_id["smartphone"] == PELATIHAN.by_id["smartphone"]
    jobs = BPJS.by_id["jenis_pekerjaan"]
    assert isinstance(jobs, SingleChoice)
    labels = " / ".join(pick(c.label, "id") for c in jobs.choices)
    for word in ("Ojol", "Ojek pangkalan", "Kurir", "Freelancer", "tenun ikat", "Pelaku usaha"):
        assert word in labels
    for title in (pick(BPJS.title, "id"), pick(PELATIHAN.title, "id")):
        assert all(word in title for word in ("ojol", "kurir", "freelancer", "pelaku usaha"))


@pytest.mark.parametrize("survey_id", sorted(SURVEYS))
def test_breakdowns_an_analyst_needs(survey_id: str) -> None:
    survey = SURVEYS[survey_id]
    age = survey.by_id["usia"]
    assert isinstance(age, SingleChoice)
    # The consent step admits adults only: no choice for children.
    assert pick(age.choices[0].label, "id") == "18–24 tahun"
    assert not any(
        "18" in pick(c.label, "id") and "bawah" in pick(c.label, "id") for c in age.choices
    )
    for qid in ("jenis_kelamin", "disabilitas"):
        q = survey.by_id[qid]
        assert isinstance(q, SingleChoice) and q.required
        assert "Tidak ingin menjawab" in [pick(c.label, "id") for c in q.choices]
    assert any(isinstance(q, RegionQuestion) and q.level == "regency" for q in survey.questions)
    assert "smartphone" in survey.by_id
    # These show on every path.
    for qid in ("usia", "jenis_kelamin", "disabilitas", "jenis_pekerjaan", "smartphone"):
        assert survey.by_id[qid].show_if is None


# The lists a respondent could be trapped in without a way to say "none" or "don't know".
NONE_OPTIONS = {
    "bpjs": {
        "platform": "tidak_ada",
        "program_bpu": "tidak_tahu",
        "program_pekerja": "tidak_tahu",
        "alasan_belum": "tidak_ada",
        "bantuan": "tidak_tahu",
        "biaya_kecelakaan": "tidak_berobat",
    },
    "pelatihan": {
        "keterampilan": "tidak_ada",
        "sertifikat": "belum",
        "ingin_sertifikasi": "tidak_perlu",
        "penyelenggara": "tidak_ingat",
        "topik": "belum_butuh",
        "jadwal": "kapan_saja",
        "hambatan": "tidak_ada",
    },
}


@pytest.mark.parametrize("survey_id", sorted(SURVEYS))
def test_every_list_has_an_exclusive_none_option(survey_id: str) -> None:
    survey = SURVEYS[survey_id]
    multis = [q for q in survey.questions if isinstance(q, MultiChoice)]
    assert {q.id for q in multis} == set(NONE_OPTIONS[survey_id])
    for q in multis:
        none = NONE_OPTIONS[survey_id][q.id]
        assert [c.id for c in q.choices if c.exclusive] == [none], q.id
        others = [c.id for c in q.choices if not c.exclusive and not c.other][:2]
        assert toggle(q, others, none) == [none]  # ticking it clears the rest
        assert toggle(q, [none], others[0]) == [others[0]]
    platform = BPJS.by_id["platform"]
    assert isinstance(platform, MultiChoice) and platform.max_choices is None


def _texts(survey: Survey) -> Iterator[tuple[str, str, str]]:
    """(where, language, text) for every text of a survey."""
    tops = {"title": survey.title, "description": survey.description, "thanks": survey.thanks}
    for where, text in tops.items():
        for lang, value in (text or {}).items():
            yield where, lang, value
    for q in survey.questions:
        parts: dict[str, dict[str, str] | None] = {
            "text": q.text,
            "hint": q.hint,
            "short": q.short,
            "error": q.error,
        }
        parts |= {c.id: c.label for c in getattr(q, "choices", [])}
        for part, text in parts.items():
            for lang, value in (text or {}).items():
                yield f"{q.id}.{part}", lang, value


# Clipped verbs that read as machine translation, the formal word people do not say, a calque,
# and an organisation where a person is meant.
AVOIDED = [r"\brawat\b", r"\blayani\b", r"\bdaring\b", r"sejauh ini", r"\batau UMKM\b"]


@pytest.mark.parametrize("survey_id", sorted(SURVEYS))
def test_wording(survey_id: str) -> None:
    survey = SURVEYS[survey_id]
    for where, lang, text in _texts(survey):
        # Ranges with an en dash: "18–24 tahun", "Senin–Jumat", "D1–D3".
        assert not re.search(r"\d\s?-\s?(Rp)?\d", text), (survey_id, where, text)
        if lang == "id":
            for pattern in AVOIDED:
                assert not re.search(pattern, text, re.IGNORECASE), (where, pattern, text)
    for q in survey.questions:
        assert q.short and q.short.get("id") and q.short.get("en"), q.id
        assert len(pick(q.text, "id")) <= 110, q.id  # one breath on a phone
