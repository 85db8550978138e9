"""Saying stop to announcements stops what is already queued: /berhenti (and /hapusdata for
that purpose) deletes the person's pending deliveries with the subscription, so a broadcast
created a moment before cannot still reach them."""

from __future__ import annotations

from datetime import timedelta

from bot.storage.outbox import Content
from bot.testing.harness import Bot
from tests.helpers import consent, no_refusals, rows
from tests.test_subscriptions import subscribed, subscription

STAFF = 42


async def test_berhenti_deletes_pending_deliveries_too(bot: Bot) -> None:
    settings = bot.services.settings
    user = bot.user(9201)
    await consent(user)  # a survey respondent too: the person stays, the subscription goes
    await subscribed(user)
    await user.tap("Survei")
    source = bot.telegram.original(STAFF, text="Survei baru di Kupang")
    later = bot.clock.now() + timedelta(hours=1)  # queued, not yet due
    broadcast_id, count = await bot.services.outbox.create(
        created_by=STAFF,
        content=Content(STAFF, source, "Survei baru di Kupang"),
        recipients=[9201],
        audience={"kind": "all"},
        scheduled_at=later,
        now=bot.clock.now(),
    )
    assert count == 1
    await user.send("/berhenti")
    await user.tap("Ya, hentikan")
    assert subscription(settings, 9201) is None
    assert rows(settings, "SELECT * FROM deliveries WHERE person = 9201") == []
    assert rows(settings, "SELECT id FROM broadcasts")[0]["id"] == broadcast_id  # the record
    assert rows(settings, "SELECT * FROM users WHERE id = 9201")
    no_refusals(bot)
