"""An imported form's draft, under its report: 👀 try it, ✅ publish it, 🗑 discard it.

Trying a draft (👀 Coba dulu) opens it in this chat as a respondent sees it, through the same
survey flow. It answers a copy whose id starts with `PREVIEW`, which no survey id can: every
count, export and audience of responses is by survey id, so none of them meets a preview, and
at the end the preview is closed as a cancelled response is, its answers deleted (see
`SurveyService._apply`). Nothing of a preview is a response.

Publishing replaces the live version for new respondents only: people half-way through the
old version finish on it (the catalog keeps it loadable), and staff are told how many before
they confirm. The deep link of the survey is the form's id: t.me/<bot>?start=<id>.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from html import escape

from telegram import Update
from telegram.ext import Application, ContextTypes

from bot.core.audience import Audience
from bot.core.audience import Kind as AudienceKind
from bot.core.survey.model import Survey
from bot.core.text import pick
from bot.i18n import LOCALES, N_, Gettext, I18n
from bot.services.survey_catalog import CatalogError, SurveyCatalog
from bot.services.surveys import PREVIEW
from bot.storage.survey_forms import DRAFT, StoredForm
from conversations.announcements import compose
from conversations.survey.entry import show_consent
from conversations.survey.present import present
from handlers.buttons import FormAction, FormAnnounce, FormDraft
from handlers.common import KEY, Who, no_longer_active, personal, services
from handlers.send import Keyboard, button, drop_buttons, edit_or_send, keyboard, send, toast
from handlers.staff import StaffButtonHandler

# The preview's title and ending, in each language (the copy is shown to whoever tries it).
PREVIEW_TITLE = N_("👀 Preview: {title}")
PREVIEW_END = N_(
    "Preview finished: nothing of it was kept or counted as a response. Publish or discard "
    "the draft with the buttons above the preview."
)


def catalog(context: ContextTypes.DEFAULT_TYPE) -> SurveyCatalog:
    return services(context).survey_catalog


def link(context: ContextTypes.DEFAULT_TYPE, survey_id: str) -> str:
    return f"https://t.me/{context.bot.username}?start={survey_id}"


def preview_id(draft: StoredForm) -> str:
    """Each draft version has its own preview: two staff may try two drafts of one form."""
    return f"{PREVIEW}{draft.version}:{draft.survey_id}"


def _tap(action: FormAction, draft: StoredForm) -> str:
    return FormDraft(action, draft.version, draft.survey_id).pack()


def draft_screen(
    draft: StoredForm, survey: Survey, w: Who, *, same: bool = False
) -> tuple[str, Keyboard]:
    _ = w._
    title = pick(survey.title, w.locale)
    head = _("📝 Draft: “{title}”, version {version}").format(title=title, version=draft.version)
    lines = ["<b>" + escape(head) + "</b>"]
    if same:
        lines.append(escape(_("This file was imported before: this is its draft.")))
    if survey.absent:
        names = ", ".join(sorted(survey.absent))
        lines.append(escape(_("Left out: {names}.").format(names=names)))
    lines.append(
        escape(
            _(
                "Nobody sees it yet. Try it first as a respondent would (your answers are not "
                "counted), then publish it."
            )
        )
    )
    rows = [
        [button(_("👀 Try it first"), _tap(FormAction.PREVIEW, draft))],
        [button(_("✅ Publish"), _tap(FormAction.PUBLISH, draft))],
        [button(_("🗑 Discard"), _tap(FormAction.DISCARD, draft))],
    ]
    return "\n".join(lines), keyboard(rows)


async def show_draft(
    context: ContextTypes.DEFAULT_TYPE, w: Who, draft: StoredForm, *, same: bool = False
) -> None:
    survey = await catalog(context).survey(draft)
    await send(context, w.chat_id, *draft_screen(draft, survey, w, same=same))


def preview_copy(survey: Survey, draft: StoredForm, i18n: I18n) -> Survey:
    """The draft as a preview: its own id (see the module), a title saying it is a try-out,
    and an ending saying nothing was kept, in both languages."""
    title = {
        locale: i18n.gettext(locale)(PREVIEW_TITLE).format(title=pick(survey.title, locale))
        for locale in LOCALES
    }
    thanks = {locale: i18n.gettext(locale)(PREVIEW_END) for locale in LOCALES}
    changes = {"id": preview_id(draft), "title": title, "thanks": thanks, "allow_multiple": True}
    return survey.model_copy(update=changes)


def preview_loader(forms: SurveyCatalog, i18n: I18n) -> Callable[[str], Awaitable[Survey | None]]:
    """How SurveyService makes a preview again after a restart: from its id, the draft (if
    it is still one), so whoever was trying it goes on where they were."""

    async def load(preview: str) -> Survey | None:
        version, _, survey_id = preview.removeprefix(PREVIEW).partition(":")
        form = await forms.get(survey_id, int(version)) if version.isdigit() else None
        if form is None or form.status != DRAFT:
            return None
        return preview_copy(await forms.survey(form), form, i18n)

    return load


async def _found(context: ContextTypes.DEFAULT_TYPE, tap: FormDraft | None) -> StoredForm | None:
    """The draft a button names, if it is still a draft."""
    if tap is None:
        return None
    form = await catalog(context).get(tap.survey_id, tap.version)
    return form if form is not None and form.status == DRAFT else None


@personal
async def on_draft(update: Update, context: ContextTypes.DEFAULT_TYPE, w: Who) -> None:
    tap = FormDraft.tapped(update)
    draft = await _found(context, tap)
    if tap is None or draft is None:
        await no_longer_active(update, w)
        return
    try:
        if tap.action is FormAction.PREVIEW:
            await _preview(update, context, w, draft)
        elif tap.action is FormAction.PUBLISH:
            await _ask_publish(update, context, w, draft)
        elif tap.action is FormAction.CONFIRM:
            await _publish(update, context, w, draft)
        elif tap.action is FormAction.DISCARD:
            await _discard(update, context, w, draft)
        else:  # SHOW: "not now" on the question whether to replace the live version
            await toast(update)
            survey = await catalog(context).survey(draft)
            await edit_or_send(update, context, w.chat_id, *draft_screen(draft, survey, w))
    except CatalogError:  # published or discarded meanwhile (another staff member, the CLI)
        await no_longer_active(update, w)


async def _preview(
    update: Update, context: ContextTypes.DEFAULT_TYPE, w: Who, draft: StoredForm
) -> None:
    svc = services(context)
    if not await svc.people.has_consented(w.user_id):
        # A preview's answers are stored while it runs, as anyone's: the notice comes first,
        # as it does for a respondent.
        await toast(update)
        first = w._(
            "A preview stores your answers until it ends: please agree first, then tap 👀 again."
        )
        await send(context, w.chat_id, escape(first))
        await show_consent(update, context, w, None)
        return
    copy = preview_copy(await catalog(context).survey(draft), draft, svc.i18n)
    svc.surveys.previews[copy.id] = copy
    outcome = await svc.surveys.begin(w.user_id, copy, None, update.update_id)
    # A new message: the draft's buttons stay above it, for after the try-out.
    await present(update, context, w, outcome, fresh=True)


async def _ask_publish(
    update: Update, context: ContextTypes.DEFAULT_TYPE, w: Who, draft: StoredForm
) -> None:
    forms = catalog(context)
    live = next((f for f in await forms.live() if f.survey_id == draft.survey_id), None)
    if live is None:
        await _publish(update, context, w, draft)
        return
    await toast(update)
    _ = w._
    half_way = await forms.half_way(live.survey_id)
    text = _(
        "Version {live} of this survey is live. Publishing version {new} replaces it for new "
        "respondents. People half-way through version {live}: {n}. They finish on it, and "
        "their answers are kept with version {live}."
    ).format(live=live.version, new=draft.version, n=half_way)
    confirm = _("✅ Yes, publish version {new}").format(new=draft.version)
    rows = [
        [button(confirm, _tap(FormAction.CONFIRM, draft))],
        [button(_("◀️ Not now"), _tap(FormAction.SHOW, draft))],
    ]
    await edit_or_send(update, context, w.chat_id, escape(text), keyboard(rows))


async def _publish(
    update: Update, context: ContextTypes.DEFAULT_TYPE, w: Who, draft: StoredForm
) -> None:
    svc = services(context)
    published = await catalog(context).publish(draft, by=w.user_id)
    svc.surveys.drop_preview(preview_id(draft))
    await toast(update)
    survey = await catalog(context).survey(published.form)
    _ = w._
    done = _("✅ “{title}” version {version} is live. Its link:").format(
        title=pick(survey.title, w.locale), version=draft.version
    )
    text = f"{escape(done)}\n{escape(link(context, draft.survey_id))}"
    rows = [[button(_("📣 Announce it"), FormAnnounce(draft.survey_id).pack())]]
    await edit_or_send(update, context, w.chat_id, text, keyboard(rows))


async def _discard(
    update: Update, context: ContextTypes.DEFAULT_TYPE, w: Who, draft: StoredForm
) -> None:
    svc = services(context)
    await catalog(context).discard(draft, by=w.user_id)
    svc.surveys.drop_preview(preview_id(draft))
    await toast(update)
    text = w._("🗑 Version {version} of “{id}” was discarded. Nobody saw it.").format(
        version=draft.version, id=draft.survey_id
    )
    await edit_or_send(update, context, w.chat_id, escape(text))


def announcement(survey: Survey, url: str, _: Gettext, locale: str) -> str:
    """The announcement's text: the survey's title and description, and its link."""
    lines = ["📝 <b>" + escape(pick(survey.title, locale)) + "</b>"]
    if survey.description:
        lines.append(escape(pick(survey.description, locale)))
    lines += ["", escape(_("Fill it in here: {link}").format(link=url))]
    return "\n".join(lines)


@personal
async def on_announce(update: Update, context: ContextTypes.DEFAULT_TYPE, w: Who) -> None:
    """📣 under a published form: /umumkan's summary, the announcement written, to those who
    subscribed to news of surveys (staff may change the audience there)."""
    tap = FormAnnounce.tapped(update)
    survey = services(context).surveys.surveys.get(tap.survey_id) if tap else None
    if survey is None:
        await no_longer_active(update, w)
        return
    await toast(update)
    query = update.callback_query
    await drop_buttons(context, query.message if query else None)
    text = announcement(survey, link(context, survey.id), w._, w.locale)
    audience = Audience(AudienceKind.TOPIC, topic="surveys")
    await compose.prefilled(context, w, text, pick(survey.title, w.locale), audience)


def register(app: Application) -> None:
    svc = app.bot_data[KEY]
    svc.surveys.preview_loader = preview_loader(svc.survey_catalog, svc.i18n)
    staff = svc.staff
    app.add_handler(StaffButtonHandler(staff, on_draft, pattern=FormDraft.pattern))
    app.add_handler(StaffButtonHandler(staff, on_announce, pattern=FormAnnounce.pattern))
