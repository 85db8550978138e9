"""Surveys imported from XLSForms: importing a file as a draft, publishing it, its versions.

An import reads the file with pyxform and converts it (`bot.core.xlsform`), then stores the
survey as the next version of its id, a draft. Publishing makes that version the one new
respondents get (`SurveyService.put_live`, which changes the one dict of live surveys that
results and exports share, in place); the version live before is retired, and whoever is
half-way through it finishes on it (their response names its version). The same file bytes
imported again make no new version. A form whose survey id, or deep-link payload, is a YAML
survey's is refused: `t.me/<bot>?start=<id>` must open one survey only.

A publish can come from another process (`python -m bot surveys import --publish` while the bot
runs): the bot looks at the live versions every few seconds (`refresh`), a query of a handful
of rows, and takes up what changed.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from pathlib import Path

from pydantic import ValidationError

from bot.core.survey.model import Survey
from bot.core.xlsform.reader import FormError, Report, read
from bot.services.audit import Action, AuditService
from bot.services.clock import Clock
from bot.services.surveys import SurveyService
from bot.storage.database import Conflict, Statement
from bot.storage.survey_forms import (
    NewForm,
    OtherForm,
    Reader,
    SameFile,
    StoredForm,
    SurveyFormRepository,
)

log = logging.getLogger(__name__)

# How often the running bot looks for a version published by another process.
CHECK_EVERY = timedelta(seconds=5)


class Outcome(StrEnum):
    DRAFT = "draft"  # stored as a new draft version
    SAME_FILE = "same_file"  # these bytes are already a draft or live: nothing new stored
    UNSUPPORTED = "unsupported"  # parts chat cannot run, and "without them" was not asked
    NOT_A_FORM = "not_a_form"  # pyxform refused the file, or it is no spreadsheet: `reason`
    TAKEN = "taken"  # the survey id is a YAML survey's, or another form's: `taken_by`
    INVALID = "invalid"  # converted, but not a survey the bot can run: `reason`


@dataclass(frozen=True)
class Imported:
    outcome: Outcome
    report: Report | None = None  # None only when pyxform refused the file
    form: StoredForm | None = None  # DRAFT: the new draft; SAME_FILE: the version stored
    survey: Survey | None = None  # the form's survey (for a preview), when it converted
    reason: str = ""  # NOT_A_FORM, INVALID: why, in one line (English: pyxform's words)
    taken_by: str = ""  # TAKEN: the YAML survey or form that has the id

    @property
    def draft(self) -> StoredForm | None:
        """The draft there is to preview and publish (a new one, or the same file's)."""
        return self.form if self.form is not None and self.form.status == "draft" else None

    @property
    def refusal(self) -> str:
        return self.reason


@dataclass(frozen=True)
class Published:
    form: StoredForm
    retired: StoredForm | None  # the version live before, if any
    half_way: int  # people with an open response to the retired version: they finish on it


class CatalogError(Exception):
    """The draft is gone or was published meanwhile (another staff member, the command line)."""


class SurveyCatalog:
    def __init__(
        self,
        forms: SurveyFormRepository,
        files: Mapping[str, Survey],
        audit: AuditService,
        clock: Clock,
        surveys: SurveyService | None = None,
    ) -> None:
        """`files`: the YAML surveys (their ids and payloads are not for imported forms);
        `surveys`: the running bot's survey service, told of every version made live (None on
        the command line)."""
        self.forms = forms
        self.audit = audit
        self.clock = clock
        self.surveys = surveys
        self._reserved = {p.lower(): s.id for s in files.values() for p in s.payloads()}
        self._parsed: dict[tuple[str, int], Survey] = {}
        self._live: dict[str, int] = {}  # what the bot runs: survey id -> live version

    # -- importing -------------------------------------------------------------------------

    async def import_file(
        self,
        path: Path,
        *,
        by: int | None,
        without_unsupported: bool = False,
        name: str | None = None,
    ) -> Imported:
        """Read, convert and store `path` as a draft (`name`: the file's name as staff know it,
        when `path` is a download's temporary file). Never raises for a bad file: the outcome
        says what happened and the report says why."""
        try:
            data = await asyncio.to_thread(path.read_bytes)
        except OSError as exc:
            return Imported(Outcome.NOT_A_FORM, reason=f"cannot read the file ({exc.strerror})")
        try:
            # pyxform and pydantic are CPU work of up to a second for a large form: off the
            # event loop, so everyone answering a survey meanwhile is not kept waiting.
            report, survey, problem = await asyncio.to_thread(_convert, path, without_unsupported)
        except FormError as exc:
            return Imported(Outcome.NOT_A_FORM, reason=str(exc))
        except Exception:  # a fault of ours on a form pyxform took: said, logged, not raised
            log.exception("Cannot convert the XLSForm %s", name or path.name)
            return Imported(
                Outcome.NOT_A_FORM,
                reason="the bot could not convert this form (a fault on our side, logged)",
            )
        if survey is None:
            if problem:
                return Imported(Outcome.INVALID, report, reason=problem)
            return Imported(Outcome.UNSUPPORTED, report)
        taken = self._taken(survey)
        if taken:
            return Imported(Outcome.TAKEN, report, survey=survey, taken_by=taken)
        new = NewForm(
            survey_id=survey.id,
            form_id=survey.form_id or report.form_id,
            definition="",
            questions=_asked(survey),
            file_name=name or path.name,
            sha256=hashlib.sha256(data).hexdigest(),
            report="\n".join(describe(report, left_out=without_unsupported)),
        )

        def numbered(version: int) -> str:
            return survey.model_copy(update={"version": version}).model_dump_json()

        def entry(form: StoredForm) -> Statement:
            detail = f"version {form.version}, {form.questions} questions, {form.file_name}"
            return self.audit.statement(by, Action.SURVEY_IMPORTED, form.survey_id, detail)

        try:
            form = await self.forms.add_draft(new, by, self.clock.now(), numbered, entry)
        except SameFile as same:
            return Imported(Outcome.SAME_FILE, report, same.form, await self.survey(same.form))
        except OtherForm as other:
            return Imported(Outcome.TAKEN, report, survey=survey, taken_by=other.form_id)
        stored = survey.model_copy(update={"version": form.version})
        self._parsed[(form.survey_id, form.version)] = stored
        return Imported(Outcome.DRAFT, report, form, stored)

    def _taken(self, survey: Survey) -> str:
        """The YAML survey whose id or deep-link payload this survey's would be, if any."""
        for payload in survey.payloads():
            owner = self._reserved.get(payload.lower())
            if owner is not None:
                return owner
        return ""

    # -- publishing ------------------------------------------------------------------------

    async def publish(self, draft: StoredForm, *, by: int | None) -> Published:
        """Make `draft` the version new respondents get; the one live before is retired (its
        responses kept, its half-way respondents finishing on it). CatalogError if it is no
        draft any more."""

        def entry(live: StoredForm, retired: StoredForm | None) -> Statement:
            detail = f"version {live.version}" + (
                f", replacing version {retired.version}" if retired else ""
            )
            return self.audit.statement(by, Action.SURVEY_PUBLISHED, live.survey_id, detail)

        survey = await self.survey(draft)  # read before: a broken definition publishes nothing
        try:
            live, retired = await self.forms.publish(draft, by, self.clock.now(), entry)
        except Conflict as exc:
            raise CatalogError(str(exc)) from None
        self._go_live(survey)
        half_way = await self.forms.half_way(retired.survey_id, retired.version) if retired else 0
        return Published(live, retired, half_way)

    async def discard(self, draft: StoredForm, *, by: int | None = None) -> StoredForm:
        """A draft staff do not want. Its version number is not given again."""

        def entry(form: StoredForm) -> Statement:
            detail = f"version {form.version}"
            return self.audit.statement(by, Action.SURVEY_DISCARDED, form.survey_id, detail)

        try:
            return await self.forms.discard(draft, entry)
        except Conflict as exc:
            raise CatalogError(str(exc)) from None

    # -- reading ---------------------------------------------------------------------------

    async def live(self) -> list[StoredForm]:
        return await self.forms.with_status("live")

    async def drafts(self) -> list[StoredForm]:
        return await self.forms.with_status("draft")

    async def get(self, survey_id: str, version: int) -> StoredForm | None:
        return await self.forms.get(survey_id, version)

    async def newest_draft(self, survey_id: str) -> StoredForm | None:
        return await self.forms.newest_draft(survey_id)

    async def half_way(self, survey_id: str) -> int:
        """People half-way through the live version of `survey_id` (before publishing a new
        one, staff are told they will finish on the old)."""
        version = (await self.forms.live_versions()).get(survey_id)
        return await self.forms.half_way(survey_id, version) if version else 0

    async def survey(self, form: StoredForm) -> Survey:
        """The Survey of a stored version (a draft's, for a preview), read once."""
        key = (form.survey_id, form.version)
        if key not in self._parsed:
            text = await self.forms.definition(*key)
            if text is None:
                raise CatalogError(f"{form.survey_id} version {form.version} is gone")
            self._parsed[key] = await asyncio.to_thread(Survey.model_validate_json, text)
        return self._parsed[key]

    # -- keeping the running bot up to date ------------------------------------------------

    async def load(self) -> None:
        """At start: every live imported survey joins the YAML ones."""
        await self.refresh()

    async def refresh(self) -> int:
        """Take up versions published since the last look (by this process or another);
        returns how many changed. Cheap when nothing did: one query of the live versions."""
        changed = 0
        for survey_id, version in (await self.forms.live_versions()).items():
            if self._live.get(survey_id) == version:
                continue
            form = await self.forms.get(survey_id, version)
            if form is None:  # replaced between the two reads: the next look takes it up
                continue
            try:
                self._go_live(await self.survey(form))
            except (CatalogError, ValidationError):
                log.exception("Cannot load %s version %s", survey_id, version)
                continue
            changed += 1
        return changed

    def _go_live(self, survey: Survey) -> None:
        self._live[survey.id] = survey.version
        taken = self._taken(survey)
        if taken:
            # A YAML file added since the import: the file wins, and staff are told in the log
            # (an import with that id is refused from now on).
            log.error("The imported survey %r is hidden by the YAML survey %r", survey.id, taken)
            return
        if self.surveys is not None:
            self.surveys.put_live(survey)


async def live_surveys(db: Reader) -> dict[str, Survey]:
    """The live version of every imported survey, read without a running bot (`python -m bot
    export` beside it)."""
    forms = SurveyFormRepository(db)
    found: dict[str, Survey] = {}
    for survey_id, version in (await forms.live_versions()).items():
        text = await forms.definition(survey_id, version)
        if text is not None:
            found[survey_id] = Survey.model_validate_json(text)
    return found


def _convert(path: Path, without_unsupported: bool) -> tuple[Report, Survey | None, str]:
    """(report, survey, "") when it converts; (report, None, "") when parts cannot run and
    they were not to be left out; (report, None, why) when the result is no valid survey."""
    from bot.core.xlsform.convert import Unsupported, convert

    form = read(path)
    try:
        return form.report, convert(form, without_unsupported=without_unsupported), ""
    except Unsupported:
        return form.report, None, ""
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        return form.report, None, f"{where}: {first['msg'].removeprefix('Value error, ')}"


def _asked(survey: Survey) -> int:
    return sum(1 for q in survey.questions if q.type not in ("note", "calculate"))


def describe(report: Report, *, left_out: bool = False) -> list[str]:
    """The report as lines for a terminal or a .txt file (English: it is for staff setting
    up, and it quotes the form's own column names and pyxform's words). `left_out`: the parts
    chat cannot run were imported without (said so, not "cannot run")."""
    asked = ", ".join(f"{n} {kind}" for kind, n in report.questions.most_common())
    lines = [
        f"Form {report.form_id!r}: {report.title}"
        + (f" (version {report.version})" if report.version else ""),
        f"Asks: {asked or 'nothing chat can ask'}",
        "Languages:",
    ]
    for language in report.languages:
        shown = (
            ", ".join(language.locales) if language.locales else "not used (no such bot language)"
        )
        lines.append(f"  {language.column}: {shown}")
    if report.personal:
        lines.append(
            f"Personal data to check before publishing ({len(report.personal)}): the data notice "
            "tells respondents the bot never asks for a name, NIK or phone number; drop these "
            "questions, or have the notice say why they are needed (UU PDP):"
        )
        for found in report.personal:
            where = f"row {found.row}" if found.row else "form"
            lines.append(f"  {where}, {found.name}: {found.reason}")
    if report.runs_whole:
        lines.append("Every part of this form can run in chat.")
        return lines
    if left_out:
        lines.append(f"{len(report.problems)} part(s) left out (chat cannot run them):")
    else:
        lines.append(f"{len(report.problems)} part(s) cannot run in chat:")
    for problem in report.problems:
        where = f"row {problem.row}" if problem.row else "form"
        lines.append(f"  {where}, {problem.name}: {problem.reason}")
    return lines
