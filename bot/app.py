"""The composition root: builds the whole bot from validated settings. Read this to see it all."""

from __future__ import annotations

import gc
import json
import logging
from dataclasses import dataclass
from datetime import timedelta

from telegram import Update
from telegram.ext import Application, ApplicationBuilder
from telegram.request import BaseRequest

from bot.config import Settings
from bot.core import regions
from bot.core.survey.loader import load_surveys
from bot.core.survey.model import RegionQuestion
from bot.i18n import I18n
from bot.intake.flood import FloodGuard
from bot.intake.queue import Intake, Unfinished
from bot.intake.scheduler import Scheduler
from bot.lifecycle import Lifecycle
from bot.outbox.sender import ReplyPressure, Sender
from bot.services.audit import AuditService
from bot.services.awaiting import AwaitingService
from bot.services.broadcast_control import BroadcastControl
from bot.services.broadcasts import BroadcastService
from bot.services.clock import Clock
from bot.services.container import Services
from bot.services.data_rights import DataRights
from bot.services.event_admin import EventAdmin
from bot.services.event_search import EventSearch
from bot.services.events import EventService, region_questions
from bot.services.exports import ExportService
from bot.services.people import PeopleService
from bot.services.reminders import ReminderService
from bot.services.results import ResultsService
from bot.services.staff import StaffService
from bot.services.subscriptions import SubscriptionService
from bot.services.survey_catalog import CHECK_EVERY, SurveyCatalog
from bot.services.surveys import SurveyService
from bot.storage.audiences import AudienceRepository
from bot.storage.audit import AuditRepository
from bot.storage.awaiting import AwaitingRepository
from bot.storage.broadcasts import BroadcastRepository
from bot.storage.database import Database
from bot.storage.events import EventRepository
from bot.storage.inbox import Inbox
from bot.storage.jobs import JobRepository
from bot.storage.outbox import Outbox
from bot.storage.personal import PersonalData
from bot.storage.registrants import RegistrantRepository
from bot.storage.registrations import RegistrationRepository
from bot.storage.reminders import ReminderRepository
from bot.storage.responses import ResponseRepository
from bot.storage.results import ResultRepository
from bot.storage.staff import StaffRepository
from bot.storage.subscriptions import SubscriptionRepository
from bot.storage.survey_forms import SurveyFormRepository
from bot.storage.users import UserRepository
from bot.storage.wishes import WishRepository
from conversations.admin import audit as audit_log
from conversations.admin import roles
from conversations.announcements import compose, history, progress, subscribe
from conversations.events import ask, browse, checkin, reminders, tickets
from conversations.events import register as event_registration
from conversations.results import export as results_export
from conversations.results import public as public_results
from conversations.results import staff as staff_results
from conversations.staff import manage, notices, upload
from conversations.staff import wizard as event_wizard
from conversations.survey import entry, flow
from conversations.surveys_admin import drafts as form_drafts
from conversations.surveys_admin import upload as form_upload
from handlers import (
    commands,
    consent,
    errors,
    flood,
    help,
    input_router,
    jobs,
    language,
    membership,
    privacy,
    unknown,
)
from handlers.common import KEY

log = logging.getLogger(__name__)

HOUSEKEEPING = timedelta(hours=1)
# Telegram redelivers an unconfirmed update for at most a day; ids of handled ones are kept
# twice that long to recognise it.
HANDLED_KEPT = timedelta(days=2)


@dataclass
class Runtime:
    """The bot as built: the application, its services, and how to start and stop it in order."""

    app: Application
    services: Services

    async def start(self) -> None:
        """Open (and lock) the database, meet Telegram, then start handling stored updates.

        Raises DatabaseInUse, InvalidToken or NetworkError; `stop` undoes whatever was done."""
        svc, app = self.services, self.app
        await svc.db.open()  # first: a second process must be refused before anything else
        await svc.staff.load()
        await svc.survey_catalog.load()  # the live imported surveys join the YAML ones
        await svc.outbox.load_unreachable()  # before the first update asks came_back
        await app.initialize()  # getMe: a rejected token or an unreachable server stops us here
        await commands.publish(app, svc.i18n)
        if any(
            isinstance(q, RegionQuestion) for s in svc.surveys.surveys.values() for q in s.questions
        ):
            regions.preload()
        # Everything built so far lives as long as the bot: take it out of the garbage
        # collector's rounds, which otherwise rescan it while hundreds of people answer.
        gc.collect()
        gc.freeze()
        await app.start()
        if app.job_queue is not None:
            app.job_queue.run_repeating(_housekeeping, HOUSEKEEPING, first=1, name="housekeeping")
            # A survey published by `python -m bot surveys import --publish` beside the bot.
            app.job_queue.run_repeating(
                _catalog_check, CHECK_EVERY, first=CHECK_EVERY, name="survey-catalog"
            )
        svc.intake.start(self._handle)
        svc.scheduler.start()
        svc.sender.start(app.bot)  # resumes unfinished broadcasts: their rows are pending
        progress.start(app)  # progress messages, found in the database, kept up to date

    async def _handle(self, body: str) -> None:
        document = json.loads(body)
        if "job" in document:  # scheduled work that fell due, in this person's order
            await jobs.run_job(self.app, document)
        else:
            update = Update.de_json(document, self.app.bot)
            if update.effective_user is not None:
                # Someone who blocked the bot and writes again is reachable: a set lookup.
                await self.services.outbox.came_back(update.effective_user.id)
            await self.app.process_update(update)
        if self.services.lifecycle.token_was_rejected:
            # PTB handed the 401 to the error handler and returned; the reply never went out.
            raise Unfinished

    async def stop(self, grace: float = 4.0) -> None:
        """Finish what is in hand (at most `grace` seconds; the rest stays stored), then close."""
        await self.services.sender.stop()
        await self.services.scheduler.stop()
        await self.services.intake.stop(grace)
        if self.app.running:
            await self.app.stop()
        await self.app.shutdown()
        await self.services.broadcast_control.close()
        await self.services.results.close()
        await self.services.db.close()


def build(
    settings: Settings,
    *,
    request: BaseRequest | None = None,
    clock: Clock | None = None,
    rate_limit: bool = True,
) -> Runtime:
    """Everything the bot needs, wired once. `request` swaps the HTTP layer (tests, simulator)."""
    surveys = load_surveys(settings.surveys_dir)  # invalid files stop the bot here
    i18n = I18n(settings.default_locale)
    clock = clock or Clock()
    db = Database(settings.database_path)
    # FLOOD_LIMIT 0 turns flood control off (the test harness, whose people type at machine speed).
    guard = FloodGuard(settings.flood_limit) if settings.flood_limit else None
    intake = Intake(Inbox(db), clock, flood=guard)
    scheduler = Scheduler(JobRepository(db), intake, clock)
    responses = ResponseRepository(db)
    catalog = EventRepository(db)
    # Quiet hours per recipient zone: from the region they subscribed to or answered.
    outbox = Outbox(
        db,
        quiet=settings.quiet,
        zone=settings.timezone,
        region_questions=region_questions(surveys.values()),
    )
    people = PeopleService(UserRepository(db), clock)
    awaiting = AwaitingService(AwaitingRepository(db), clock)
    audit = AuditService(AuditRepository(db), clock)  # who did what, when: /audit
    forms = SurveyFormRepository(db)  # imported XLSForms, every version
    survey_service = SurveyService(
        surveys,
        responses,
        clock,
        expiry=timedelta(hours=settings.response_expiry_hours),
        resume_after=timedelta(minutes=settings.resume_after_minutes),
        zone=settings.zone,
        forms=forms,
    )
    # Publishing puts a version into `surveys` (the one dict the services share), in place.
    survey_catalog = SurveyCatalog(forms, dict(surveys), audit, clock, survey_service)
    events = EventService(
        catalog,
        responses,
        region_questions(surveys.values()),
        clock,
        RegistrationRepository(db),
        scheduler,
    )
    svc = Services(
        settings=settings,
        db=db,
        i18n=i18n,
        clock=clock,
        audit=audit,
        lifecycle=Lifecycle(),
        people=people,
        rights=DataRights(
            people, survey_service, events, awaiting, audit=audit, personal=PersonalData(db)
        ),
        staff=StaffService(settings.admin_ids, StaffRepository(db), audit, clock),
        awaiting=awaiting,
        surveys=survey_service,
        events=events,
        event_search=EventSearch(
            events, WishRepository(db), clock, settings.zone, quiet=settings.quiet
        ),
        event_admin=EventAdmin(catalog, RegistrantRepository(db), scheduler, clock, audit),
        reminders=ReminderService(
            ReminderRepository(db), catalog, clock, settings.reminder_offsets
        ),
        outbox=outbox,
        sender=Sender(
            outbox,
            clock,
            per_second=settings.broadcast_per_second,
            paid=settings.broadcast_paid,
            way_out=subscribe.way_out_keyboards(i18n),
            default_locale=settings.default_locale,
        ),
        intake=intake,
        scheduler=scheduler,
        subscriptions=SubscriptionService(SubscriptionRepository(db), people, clock),
        exports=ExportService(settings.database_path, surveys, settings.zone),
        broadcast_control=BroadcastControl(
            BroadcastRepository(db), outbox, clock, per_second=settings.broadcast_per_second
        ),
        broadcasts=BroadcastService(
            AudienceRepository(db), outbox, clock, settings.broadcast_per_second
        ),
        results=ResultsService(surveys, ResultRepository(db), clock, settings.results_min_group),
        survey_catalog=survey_catalog,
    )

    builder = (
        ApplicationBuilder()
        .token(settings.telegram_bot_token.get_secret_value())
        .base_url(settings.bot_api_base_url)
        .base_file_url(settings.bot_api_file_url)
        # Updates come from the durable intake, not from PTB's in-memory polling.
        .updater(None)
    )
    # Every reply takes a slot from the broadcast's pace (without waiting for it), so the two
    # together stay under Telegram's global limit. With rate_limit (not in tests) it also paces
    # replies under Telegram's limits and retries after its 429 "retry after".
    limits = (
        {"overall_max_rate": settings.max_messages_per_second, "max_retries": 3}
        if rate_limit
        else {"overall_max_rate": 0, "group_max_rate": 0, "max_retries": 0}
    )
    limiter = ReplyPressure(svc.sender.spend, svc.sender.flooded, **limits)
    builder = builder.rate_limiter(limiter)  # type: ignore[arg-type]
    if request is not None:
        builder = builder.request(request).get_updates_request(request)
    app = builder.build()
    app.bot_data[KEY] = svc
    # Reminders are derived from registrations and events at every look for due work.
    scheduler.add_source(svc.reminders.queue_due)
    # So are wishes come true: however an event was published, the next look tells them.
    scheduler.add_source(svc.event_search.queue_wishes)

    # Answers first: they are most of the traffic, and no other handler wants them.
    upload.register(app)  # staff: an events CSV sent as a document (before the router)
    input_router.register(app)  # every typed message, to the feature awaiting it
    flow.register(app)
    checkin.register(app)  # before entry: staff opening a ticket's /start ci-... link
    entry.register(app)
    language.register(app)
    browse.register(app)
    event_registration.register(app)
    ask.register(app)  # questions in people's own words, and wishes
    event_wizard.register(app)  # staff: /buatacara, and changing an event
    manage.register(app)  # staff: /kelolaacara
    form_upload.register(app)  # staff: an XLSForm sent as a document, imported as a draft
    form_drafts.register(app)  # staff: a draft's preview, publish, discard
    results_export.register(app)  # staff: /ekspor, a survey's responses as files
    notices.register(app)
    tickets.register(app)
    reminders.register(app)
    subscribe.register(app)  # /langganan and /berhenti: announcements people chose
    progress.register(app)  # staff: a broadcast's ⏸ / ▶️ / ⛔ buttons
    history.register(app)  # staff: /siaran, past and running broadcasts
    compose.register(app)  # staff: /umumkan, and announcing a newly published event
    staff_results.register(app)  # staff: /hasil, a survey's results and charts
    public_results.register(app)  # interim results for those who answered a survey
    roles.register(app)  # admins: /staf, who is staff
    audit_log.register(app)  # admins: /audit
    help.register(app)
    privacy.register(app)
    consent.register(app)  # "under 18" under any consent notice: nothing stored
    unknown.register(app)  # answers only commands no other handler took
    flood.register(app)  # the one notice to someone sending too fast
    membership.register(app)  # someone blocking the bot: no more announcements tried
    errors.register(app)
    return Runtime(app, svc)


async def _catalog_check(context: object) -> None:
    """Every few seconds: take up a survey version another process published."""
    svc: Services = context.application.bot_data[KEY]  # type: ignore[attr-defined]
    if await svc.survey_catalog.refresh():
        log.info("Survey catalog: took up newly published versions")


async def _housekeeping(context: object) -> None:
    """Hourly: delete what the consent notice says is kept no longer. Rebuilt from the data at
    every start, so a restart never skips or repeats anything."""
    svc: Services = context.application.bot_data[KEY]  # type: ignore[attr-defined]
    expired = await svc.surveys.expire_idle()
    purged = await svc.surveys.purge_old(timedelta(days=svc.settings.retention_days))
    # Registrations are kept as long as answers, counted from the end of their event.
    registrations = await svc.events.purge_old(timedelta(days=svc.settings.retention_days))
    await svc.intake.inbox.purge_handled(svc.clock.now() - HANDLED_KEPT)
    wishes = await svc.event_search.purge_expired()  # kept WISH_DAYS at most
    # Deliveries, people Telegram cannot reach for 90 days, audit entries.
    kept = await svc.rights.purge_expired(timedelta(days=svc.settings.retention_days))
    if any(kept.values()):
        log.info("Housekeeping: retention deleted %s", kept)
    if wishes:
        log.info("Housekeeping: %d expired event wishes deleted", wishes)
    if expired or purged or registrations:
        log.info(
            "Housekeeping: %d unfinished responses expired, %d old ones deleted, "
            "%d registrations of long-ended events deleted",
            expired,
            purged,
            registrations,
        )
