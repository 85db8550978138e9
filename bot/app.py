"""The composition root: builds the whole bot from validated settings. Read this to see it all."""

from __future__ import annotations

import gc
import logging
from datetime import timedelta

from telegram.ext import AIORateLimiter, Application, ApplicationBuilder
from telegram.request import BaseRequest

from bot.config import Settings
from bot.core import regions
from bot.core.survey.loader import load_surveys
from bot.core.survey.model import RegionQuestion
from bot.i18n import I18n
from bot.services.clock import Clock
from bot.services.container import Services
from bot.services.people import PeopleService
from bot.services.surveys import SurveyService
from bot.storage.database import Database
from bot.storage.responses import ResponseRepository
from bot.storage.users import UserRepository
from bot.update_processor import PerUserUpdateProcessor
from conversations.survey import entry, flow
from handlers import commands, errors, help, language, privacy
from handlers.common import KEY

log = logging.getLogger(__name__)

HOUSEKEEPING = timedelta(hours=1)


def build_application(
    settings: Settings,
    *,
    request: BaseRequest | None = None,
    clock: Clock | None = None,
    rate_limit: bool = True,
) -> Application:
    """Everything the bot needs, wired once. `request` swaps the HTTP layer (tests, simulator)."""
    surveys = load_surveys(settings.surveys_dir)  # invalid files stop the bot here
    i18n = I18n(settings.default_locale)
    clock = clock or Clock()
    db = Database(settings.database_path)
    svc = Services(
        settings=settings,
        db=db,
        i18n=i18n,
        clock=clock,
        people=PeopleService(UserRepository(db), clock),
        surveys=SurveyService(
            surveys,
            ResponseRepository(db),
            clock,
            expiry=timedelta(hours=settings.response_expiry_hours),
            resume_after=timedelta(minutes=settings.resume_after_minutes),
            zone=settings.zone,
        ),
    )

    async def post_init(app: Application) -> None:
        await db.open()
        await commands.publish(app, i18n)
        if any(isinstance(q, RegionQuestion) for s in surveys.values() for q in s.questions):
            regions.preload()
        # Everything built so far lives as long as the bot: take it out of the garbage
        # collector's rounds, which otherwise rescan it while hundreds of people answer.
        gc.collect()
        gc.freeze()
        if app.job_queue is not None:
            app.job_queue.run_repeating(_housekeeping, HOUSEKEEPING, first=1, name="housekeeping")

    async def post_shutdown(app: Application) -> None:
        await db.close()

    builder = (
        ApplicationBuilder()
        .token(settings.telegram_bot_token.get_secret_value())
        .base_url(settings.bot_api_base_url)
        .base_file_url(settings.bot_api_file_url)
        .concurrent_updates(PerUserUpdateProcessor())
        .post_init(post_init)
        .post_shutdown(post_shutdown)
    )
    if rate_limit:
        # Retries a request after Telegram's 429 "retry after", and paces broadcasts.
        builder = builder.rate_limiter(AIORateLimiter(max_retries=3))  # type: ignore[arg-type]
    if request is not None:
        builder = builder.request(request).get_updates_request(request)
    app = builder.build()
    app.bot_data[KEY] = svc

    # Answers first: they are most of the traffic, and no other handler wants them.
    flow.register(app)
    entry.register(app)
    language.register(app)
    help.register(app)
    privacy.register(app)
    errors.register(app)
    return app


async def _housekeeping(context: object) -> None:
    """Hourly: delete what the consent notice says is kept no longer. Rebuilt from the data at
    every start, so a restart never skips or repeats anything."""
    svc: Services = context.application.bot_data[KEY]  # type: ignore[attr-defined]
    expired = await svc.surveys.expire_idle()
    purged = await svc.surveys.purge_old(timedelta(days=svc.settings.retention_days))
    if expired or purged:
        log.info(
            "Housekeeping: %d unfinished responses expired, %d old ones deleted", expired, purged
        )
