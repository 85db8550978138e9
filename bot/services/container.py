"""The services one running bot uses, built once in `bot.app` and shared by every handler."""

from __future__ import annotations

from dataclasses import dataclass

from bot.config import Settings
from bot.i18n import I18n
from bot.intake.queue import Intake
from bot.intake.scheduler import Scheduler
from bot.lifecycle import Lifecycle
from bot.outbox.sender import Sender
from bot.services.audit import AuditService
from bot.services.awaiting import AwaitingService
from bot.services.broadcast_control import BroadcastControl
from bot.services.broadcasts import BroadcastService
from bot.services.clock import Clock
from bot.services.data_rights import DataRights
from bot.services.event_admin import EventAdmin
from bot.services.event_search import EventSearch
from bot.services.events import EventService
from bot.services.exports import ExportService
from bot.services.people import PeopleService
from bot.services.reminders import ReminderService
from bot.services.results import ResultsService
from bot.services.staff import StaffService
from bot.services.subscriptions import SubscriptionService
from bot.services.survey_catalog import SurveyCatalog
from bot.services.surveys import SurveyService
from bot.storage.database import Database
from bot.storage.outbox import Outbox

KEY = "services"


@dataclass
class Services:
    settings: Settings
    db: Database
    i18n: I18n
    clock: Clock
    lifecycle: Lifecycle
    people: PeopleService
    rights: DataRights
    staff: StaffService
    awaiting: AwaitingService
    surveys: SurveyService
    events: EventService
    event_search: EventSearch
    event_admin: EventAdmin
    reminders: ReminderService
    outbox: Outbox
    sender: Sender
    intake: Intake
    scheduler: Scheduler
    subscriptions: SubscriptionService
    exports: ExportService
    broadcast_control: BroadcastControl
    broadcasts: BroadcastService
    results: ResultsService
    audit: AuditService
    survey_catalog: SurveyCatalog  # imported XLSForm surveys: drafts, publishing, versions
