"""Fuzzing the events update path: generated updates through the real Application.

tests/test_fuzz.py fuzzes the survey; this does the same for what came after it: /acara with its
region picker, Daftar with its own notice and the waiting list, /acarasaya with cancelling and
tickets, questions in people's own words with the 🔔 wish and its notice, the staff wizard
(/buatacara) through to Terbitkan, /kelolaacara (registrants, changes, cancelling), check-in at
the door (`/start ci-<code>`), /hapusdata one purpose at a time, and time passing so reminders,
promotions and notices run as jobs. Whatever people and staff do:

- nothing is logged at ERROR, Telegram is never sent a request it would refuse,
- every tap is answered and every message gets a reply,
- the database holds only what a data-protection auditor and an event organiser would accept
  (see `_audit`): no event over capacity, nobody waiting beside a free seat, a ticket for every
  seat, a consent for every purpose that holds data, typed input awaited only from staff, no
  job left behind.

One bot runs for the whole test (as in test_fuzz). Time only moves on: each example starts
where the last one left the clock, and stores two events of its own a day and a few days
ahead (one of two seats, so the waiting list and promotions happen often), so that however far
the clock has gone there is something to register for. `FUZZ_EXAMPLES` sets the number of
examples (`make fuzz` runs more); `FUZZ_SHRINK=1` shrinks a failure to its fewest doings.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import os
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.config import Settings
from bot.core.events.csvfile import parse_events
from bot.core.events.draft import Step, Wizard
from bot.storage.events import EventRepository
from bot.storage.timefmt import to_db
from bot.testing import harness
from bot.testing.harness import Bot, FakeUser, running_bot
from conversations.staff.wizard import FEATURE as WIZARD
from handlers.buttons import (
    AdminAction,
    AdminTap,
    CancelPlace,
    ConfirmCancel,
    Erase,
    EventConsent,
    EventsIn,
    NotifyMe,
    OpenEvent,
    Register,
    ShowTicket,
    WishConsent,
    Withdraw,
    WizardAction,
    WizardTap,
)
from tests.helpers import clock_at, rows
from tests.test_event_registration import set_capacity
from tests.test_events_chat import store
from tests.test_events_import import csv_bytes, example_rows
from tests.test_fuzz import ODD, PHASES, Errors, Fuzz, _fit, _keyboard, forged, texts

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "100"))
NOW = datetime(2026, 12, 1, 8, tzinfo=UTC)
STAFF = 900
WITA = ZoneInfo("Asia/Makassar")
HAKI = "haki-kupang-2026-12"  # 60 seats in the file; two here

# -- what people send ------------------------------------------------------------------------

COMMANDS = [
    "/acara", "/events", "/acarasaya", "/myevents", "/buatacara", "/newevent", "/kelolaacara",
    "/manageevents", "/dataku", "/mydata", "/hapusdata", "/deletedata", "/bantuan", "/help",
    "/survei", "/batal", "/start", "/start ci-", "/start ci-AAAAAAAAAAAAAAAA",
    "/start ci-" + "x" * 40, "/start ci-../../etc", "/acara Kupang",
]  # fmt: skip
# Questions in people's own words, and answers the staff wizard could be given at any step.
QUESTIONS = [
    "kapan workshop HAKI di Kupang?", "ada pelatihan pemasaran digital?", "acara di Kupang",
    "workshop merek bulan depan", "when is the trademark workshop in Kupang?",
    "any events in Yogyakarta?", "seminar BPJS", "acara minggu ini", "pelatihan di Surabaya",
    "worksop haki kupang", "events next week", "dialog ojol", "pelatihan batik di Papua",
    "workshop ekspor di Medan", "export workshop in Bali", "kelas fotografi di Ambon",
]  # fmt: skip
WIZARDISH = [
    "Dialog UMKM", "15/12/2026 09.00", "12.00", "60", "2", "Kota Kupang", "HAKI, merek",
    "Lewati", "workshop", "dialog", "Aula Kantor Wali Kota", "31/02/2027 09.00", "0",
    "1.000", "Sleman", "14/12/2026 17.00",
]  # fmt: skip

event_texts = st.one_of(st.sampled_from(QUESTIONS), st.sampled_from(WIZARDISH), texts)
commands = st.one_of(
    st.sampled_from(COMMANDS),
    st.sampled_from(["/acara", "/acarasaya", "/myevents", "/hapusdata"]),  # the way in, again
    st.builds(lambda c, a: f"{c} {a}", st.sampled_from(COMMANDS[:8]), st.sampled_from(ODD)),
)


def _event_forged(kind: int, event_id: int, tail: str) -> str:
    """Data of the events' own kinds, well formed, for events that may be cancelled, over,
    full, someone else's, or not there at all."""
    made = [
        lambda: Register(event_id).pack(),
        lambda: EventConsent(True, event_id).pack(),
        lambda: OpenEvent(event_id, 0).pack(),
        lambda: CancelPlace(event_id).pack(),
        lambda: ConfirmCancel(event_id, True).pack(),
        lambda: ShowTicket(event_id).pack(),
        lambda: AdminTap(AdminAction.CONFIRM, event_id).pack(),
        lambda: AdminTap(AdminAction.PEOPLE, event_id).pack(),
        lambda: AdminTap(AdminAction.CHANGE, event_id).pack(),
        lambda: WizardTap(Step.PREVIEW, WizardAction.PUBLISH).pack(),
        lambda: WizardTap(Step.CAPACITY, WizardAction.NO_LIMIT).pack(),
        lambda: WizardTap(Step.PREVIEW, WizardAction.SAVE, "tell").pack(),
        lambda: EventsIn(0, tail or "53").pack(),
        lambda: NotifyMe(tail or "haki kupang").pack(),
        lambda: WishConsent(True, tail).pack(),
    ]
    try:
        return made[kind % len(made)]()
    except ValueError:  # the tail does not fit in a button
        return _fit(f"evw:{tail}")


event_forged = st.builds(
    _event_forged, st.integers(0, 30), st.integers(0, 60), st.sampled_from(["", "53", "x:y"])
)

# What one person does, with how often (in parts of the sum): taps on the buttons on screen
# weigh most, so people get deep (Daftar, Setuju, the picker, the wizard through Terbitkan).
DOINGS: dict[str, tuple[int, tuple[st.SearchStrategy[Any], ...]]] = {
    "tap": (10, (st.integers(0, 40),)),
    "step": (3, (st.integers(0, 40),)),  # the staff wizard: an answer fit for the step
    "text": (2, (event_texts,)),
    "command": (3, (commands,)),
    "checkin": (1, (st.integers(0, 40),)),  # /start ci-<a real code>
    "old": (1, (st.integers(0, 40), st.integers(0, 40))),
    "mutate": (
        1,
        (st.integers(0, 40), st.integers(0, 3), st.sampled_from(ODD) | st.text(max_size=10)),
    ),
    "forged": (1, (forged | event_forged,)),
    "other": (1, (st.sampled_from(["sticker", "photo", "location"]),)),
    "wait": (1, (st.sampled_from([1, 1, 60, 60, 60 * 24]),)),
    # Everyone in the example at once, in one batch (one getUpdates page): the last seat,
    # a cancellation and a promotion race each other at the writer.
    "rush": (1, (st.integers(0, 40),)),
}
# The staff member mostly answers the wizard (a dozen answers before Terbitkan), and opens it
# or /kelolaacara when not in it; checks people in; taps.
STAFF_DOINGS = {
    **DOINGS,
    "step": (20, DOINGS["step"][1]),
    "tap": (5, DOINGS["tap"][1]),
    "checkin": (2, DOINGS["checkin"][1]),
}


def _weighted(kinds: dict[str, tuple[int, tuple[st.SearchStrategy[Any], ...]]]) -> Any:
    return st.sampled_from(
        [kind for kind, (weight, _) in kinds.items() for _ in range(weight)]
    ).flatmap(lambda kind: st.tuples(st.just(kind), *kinds[kind][1]))


actions = _weighted(DOINGS)
staff_actions = _weighted(STAFF_DOINGS)

people = st.lists(st.sampled_from(["id", "en"]), min_size=1, max_size=3)
# Who does what, in the order it reaches the bot; 3 to 5 are the staff member, when present
# (the wizard takes a dozen answers before Terbitkan).
doings = st.lists(
    st.integers(0, 5).flatmap(
        lambda who: st.tuples(st.just(who), staff_actions if who >= 3 else actions)
    ),
    min_size=20,
    max_size=80,
)


# Wizard buttons that stop it or go round in it rather than answer the step.
AWAY = {
    WizardAction.CANCEL,
    WizardAction.DISCARD,
    WizardAction.CHANGE,
    WizardAction.PAGE,
    WizardAction.PROVINCE,
}


def _wizard(actions: set[WizardAction]) -> Callable[[str], bool]:
    def wanted(data: str) -> bool:
        tap = WizardTap.unpack(data)
        return tap is not None and tap.action in actions

    return wanted


def _admin(actions: set[AdminAction]) -> Callable[[str], bool]:
    def wanted(data: str) -> bool:
        tap = AdminTap.unpack(data)
        return tap is not None and tap.action in actions

    return wanted


# What people tap to get on: register and agree, cancel and mean it, keep a wish, withdraw.
ONWARD = (
    Register,
    EventConsent,
    ConfirmCancel,
    CancelPlace,
    NotifyMe,
    WishConsent,
    Withdraw,
    Erase,
)


def _onward(data: str) -> bool:
    for kind in ONWARD:
        tap = kind.unpack(data)
        if tap is not None:
            return getattr(tap, "agree", getattr(tap, "confirm", True)) is not False
    return False


def _local(moment: datetime) -> str:
    return moment.astimezone(WITA).strftime("%d/%m/%Y %H.%M")


class EventsFuzz(Fuzz):
    def __init__(self, bot: Bot, settings: Settings, errors: Errors) -> None:
        super().__init__(bot, settings, errors)
        self.ids = itertools.count(2_000_000)
        self.staff = bot.user(STAFF, "id")
        self.round = itertools.count(1)
        self.events = EventRepository(bot.services.db)
        self.everyone: list[FakeUser] = []
        self.tapped: dict[tuple[int, int], str] = {}  # the last data tapped on each message

    async def example(  # type: ignore[override]
        self, languages: list[str], with_staff: bool, doings: list[tuple[int, tuple[Any, ...]]]
    ) -> None:
        await self.fresh_events()
        users = [self.bot.user(next(self.ids), language) for language in languages]
        self.errors.seen.clear()
        self.bot.telegram.refusals.clear()  # an earlier example's failure is not this one's
        self.everyone = users + ([self.staff] if with_staff else [])
        for who, action in doings:
            user = self.staff if who >= 3 and with_staff else users[who % len(users)]
            await self.act(user, action)
        assert not self.errors.seen, self.errors.seen
        refused = [(c.method, e.description) for c, e in self.bot.telegram.refusals]
        assert not refused, refused
        await _audit(self.bot, self.settings)

    async def fresh_events(self) -> None:
        """Two events of this example's own, from the clock: one of two seats starting in
        about a day (its reminders fall within the waits), one of three a few days on."""
        n = next(self.round)
        now = self.bot.clock.now()
        by_slug = {row["slug"]: row for row in example_rows()}
        made = []
        for slug, seats, ahead in ((HAKI, "2", 26), ("dialog-bpjs-kupang-2026-12", "3", 100)):
            starts = now + timedelta(hours=ahead)
            made.append(
                {
                    **by_slug[slug],
                    "slug": f"{slug}-{n}",
                    "capacity": seats,
                    "starts_at": starts.astimezone(WITA).strftime("%Y-%m-%d %H:%M"),
                    "ends_at": (starts + timedelta(hours=3))
                    .astimezone(WITA)
                    .strftime("%Y-%m-%d %H:%M"),
                    "registration_closes": "",
                }
            )
        await self.events.import_events(parse_events(csv_bytes(made)), now)

    async def act(self, user: FakeUser, action: tuple[Any, ...]) -> None:
        kind = action[0]
        if kind == "wait":
            self.bot.clock.advance(timedelta(minutes=action[1]))
            await self.bot.services.scheduler.run_due()
            await self.bot.services.intake.idle()
            _no_job_left_behind(self.settings, self.bot.clock.now())
        elif kind == "rush":
            await self.rush(action[1])
        elif kind in {"text", "command"}:
            await self.deliver(user, user.message_update(action[1]), reply=True)
        elif kind == "other":
            await self.deliver(user, user.other_update(action[1]), reply=True)
        elif kind == "checkin":
            codes = rows(
                self.settings,
                "SELECT checkin_code FROM registrations WHERE checkin_code IS NOT NULL "
                "ORDER BY id DESC LIMIT 41",
            )
            code = codes[action[1] % len(codes)]["checkin_code"] if codes else "A" * 16
            await self.deliver(user, user.message_update(f"/start ci-{code}"), reply=True)
        elif kind == "step":
            await self.step(user, action[1])
        else:
            await self.tap(user, action)

    async def deliver(self, user: FakeUser, update: dict[str, Any], *, reply: bool) -> None:
        """As test_fuzz's, and a refusal or an error is told with the update that caused it.

        One refusal is Telegram's ordinary answer to a double tap, or to a button of an older
        screen: it asks for what that message shows already, and Telegram refuses the edit as
        not modified (edit_or_send takes that as done). Only then is it let be; on the latest
        screen, tapped once, it means a button that changes nothing and says nothing."""
        again = self.again(user, update)
        await super().deliver(user, update, reply=reply)
        if again:
            self.forgive_double_taps()
        refused = [(c.method, e.description) for c, e in self.bot.telegram.refusals]
        assert not refused, f"{refused} after {_shown(update)}"
        assert not self.errors.seen, f"{self.errors.seen} after {_shown(update)}"

    def again(self, user: FakeUser, update: dict[str, Any]) -> bool:
        """Whether `update` taps a screen that may show what its button draws already: the
        data last tapped on the same message (a double tap), or a button of an older
        message than the person's latest with buttons (and notes the tap)."""
        query = update.get("callback_query")
        if query is None:
            return False
        message_id = query["message"]["message_id"]
        where = (user.id, message_id)
        again = self.tapped.get(where) == query["data"]
        self.tapped[where] = query["data"]
        shown = [m["message_id"] for m in user.messages if m.get("reply_markup")]
        return again or (bool(shown) and message_id < max(shown))

    def forgive_double_taps(self) -> None:
        self.bot.telegram.refusals[:] = [
            (call, error)
            for call, error in self.bot.telegram.refusals
            if not (call.method == "editMessageText" and "not modified" in error.description)
        ]

    async def tap(self, user: FakeUser, action: tuple[Any, ...]) -> None:
        shown = sorted(
            (m for m in user.messages if m.get("reply_markup")), key=lambda m: m["message_id"]
        )
        if not shown:  # nothing to tap yet: look at the events instead
            command = "/kelolaacara" if user.id == STAFF else "/acara"
            await self.deliver(user, user.message_update(command), reply=True)
            return
        await super().tap(user, action)

    async def step(self, user: FakeUser, pick: int) -> None:
        """What someone who knows the way does next. Staff in the wizard: an answer its step
        could take (or, now and then, refuses), or the button that moves on (a region found,
        Terbitkan, Simpan); staff outside it: a deeper /kelolaacara button (open, registrants,
        change, cancel, yes), or the wizard or /kelolaacara opened. Anyone else: a button
        that gets them on (Daftar, Setuju, cancel, 🔔, withdraw), /acarasaya or /hapusdata
        once stored, or a question about events."""
        found = rows(
            self.settings,
            "SELECT state FROM awaiting WHERE user_id = ? AND feature = ?",
            (user.id, WIZARD),
        )
        wizard = Wizard.from_state(_json(found[0]["state"])) if found else None
        if wizard is not None and pick % 3:
            onward = {WizardAction.REGION, WizardAction.PUBLISH, WizardAction.SAVE}
            if await self.tap_one(user, _wizard(onward), pick):
                return
            if pick % 3 == 1 and await self.tap_one(user, _wizard(set(WizardAction) - AWAY), pick):
                return
        if wizard is None and user.id == STAFF and pick % 3:
            deeper = set(AdminAction) - {AdminAction.LIST}
            if await self.tap_one(user, _admin(deeper), pick // 3):
                return
        if wizard is None and user.id == STAFF:
            commands = ["/buatacara", "/newevent", "/kelolaacara", "/manageevents"]
            text = [*commands, QUESTIONS[pick % len(QUESTIONS)]][pick % 5]
        elif wizard is None:
            if pick % 4 != 2 and await self.tap_one(user, _onward, pick // 4):
                return
            known = rows(self.settings, "SELECT 1 FROM users WHERE id = ?", (user.id,))
            if known and pick % 4 == 2:
                text = ["/hapusdata", "/acarasaya", "/myevents", "/deletedata"][pick // 4 % 4]
            else:
                text = QUESTIONS[pick % len(QUESTIONS)]
        else:
            good = self.good_answers(wizard.step)
            if not good:  # the preview: its buttons
                await self.tap(user, ("tap", pick))
                return
            text = good[pick % len(good)]
        await self.deliver(user, user.message_update(text), reply=True)

    async def rush(self, pick: int) -> None:
        """Everyone taps a button that gets them on (or, for staff, a /kelolaacara one) at
        the same moment; each tap is still answered."""
        updates, tappers = [], []
        for user in self.everyone:
            shown = [m for m in user.messages if m.get("reply_markup")]
            if not shown:
                continue
            latest = max(shown, key=lambda m: m["message_id"])
            wanted = _admin(set(AdminAction)) if user.id == STAFF else _onward
            found = [b["callback_data"] for row in _keyboard(latest) for b in row]
            found = [data for data in found if wanted(data)] or found
            updates.append(user.callback_update(found[pick % len(found)], latest))
            tappers.append(user)
        calls = len(self.bot.telegram.calls)
        again = [self.again(user, update) for user, update in zip(tappers, updates, strict=True)]
        await self.bot.deliver(*updates)
        if any(again):
            self.forgive_double_taps()
        self.updates += len(updates)
        answered = {
            str(c.params.get("callback_query_id"))
            for c in self.bot.telegram.calls[calls:]
            if c.method == "answerCallbackQuery"
        }
        for update in updates:
            assert update["callback_query"]["id"] in answered, f"unanswered: {_shown(update)}"
        refused = [(c.method, e.description) for c, e in self.bot.telegram.refusals]
        assert not refused, f"{refused} after {[_shown(u) for u in updates]}"
        assert not self.errors.seen, f"{self.errors.seen} after {[_shown(u) for u in updates]}"

    async def tap_one(self, user: FakeUser, wanted: Callable[[str], bool], pick: int) -> bool:
        """Tap one of the buttons on the latest keyboard whose data is `wanted`, if any."""
        shown = [m for m in user.messages if m.get("reply_markup")]
        if not shown:
            return False
        latest = max(shown, key=lambda m: m["message_id"])
        found = [b["callback_data"] for row in _keyboard(latest) for b in row]
        found = [data for data in found if wanted(data)]
        if not found:
            return False
        await self.deliver(user, user.callback_update(found[pick % len(found)], latest), reply=True)
        return True

    def good_answers(self, step: Step) -> list[str]:
        now = self.bot.clock.now()
        day = (now + timedelta(days=2)).astimezone(WITA).replace(hour=9, minute=0)
        soon = (now + timedelta(hours=25)).astimezone(WITA).replace(minute=0)
        return {
            Step.TITLE_ID: ["Dialog UMKM", "Temu <b>Usaha</b> & Kopi", "x" * 300],
            Step.TITLE_EN: ["MSME dialogue", "Lewati"],
            Step.KIND: ["workshop", "dialog", "seminar"],
            Step.REGION: ["Kota Kupang", "Kota Kupang", "Sleman", "xq"],
            Step.VENUE: ["Aula Kantor Wali Kota", "Zoom"],
            Step.STARTS: [
                _local(day),
                _local(soon),
                _local(now - timedelta(hours=1)),
                "31/02/2027 09.00",
            ],
            Step.ENDS: ["12.00", "23.59", "08.00", _local(day + timedelta(days=1))],
            Step.CAPACITY: ["60", "2", "1", "0", "1.000"],
            Step.CLOSES: [_local(day - timedelta(hours=16)), _local(now - timedelta(days=1))],
            Step.TOPICS: ["HAKI, merek", "UMKM", ",,,"],
            Step.DESCRIPTION_ID: ["Penjelasan singkat.", "Baris satu\nbaris dua"],
            Step.DESCRIPTION_EN: ["A short description.", "Lewati"],
        }.get(step, [])


def _shown(update: dict[str, Any]) -> str:
    """An update in a line: who, what they sent or tapped, and on which screen."""
    query = update.get("callback_query")
    if query is None:
        message = update.get("message") or {}
        return f"{message.get('from', {}).get('id')} sent {message.get('text', message)!r}"
    screen = str(query["message"].get("text", ""))[:300]
    return f"{query['from']['id']} tapped {query['data']!r} on {screen!r}"


def _json(text: str) -> dict[str, Any]:
    value = json.loads(text)
    return value if isinstance(value, dict) else {}


# -- what an auditor and an organiser check ------------------------------------------------------


def _no_job_left_behind(config: Settings, now: datetime) -> None:
    late = rows(config, "SELECT name, due_at FROM jobs WHERE due_at < ?", (to_db(now),))
    assert not late, f"jobs due before {now} still waiting after run_due: {late}"


async def _audit(bot: Bot, config: Settings) -> None:
    """The database as a data-protection auditor and an event organiser would read it."""
    now = to_db(bot.clock.now())
    upcoming = rows(
        config,
        "SELECT e.id, e.slug, e.capacity, "
        "(SELECT COUNT(*) FROM registrations r WHERE r.event_id = e.id "
        " AND r.status = 'confirmed') AS confirmed, "
        "(SELECT COUNT(*) FROM registrations r WHERE r.event_id = e.id "
        " AND r.status = 'waiting') AS waiting "
        "FROM events e WHERE e.status = 'published' AND e.starts_at > ?",
        (now,),
    )
    for e in upcoming:
        seats = e["capacity"]
        if seats is not None:
            assert e["confirmed"] <= seats, f"{e['slug']}: {e['confirmed']} seats of {seats}"
        if seats is None or e["confirmed"] < seats:
            assert e["waiting"] == 0, f"{e['slug']}: people waiting beside a free seat: {dict(e)}"
    ticketless = rows(
        config,
        "SELECT r.id FROM registrations r JOIN events e ON e.id = r.event_id "
        "WHERE e.status = 'published' AND e.starts_at > ? AND r.status = 'confirmed' "
        "AND r.checkin_code IS NULL",
        (now,),
    )
    assert not ticketless, f"seats without a ticket: {ticketless}"
    twice = rows(
        config,
        "SELECT event_id, user_id FROM registrations WHERE status != 'cancelled' "
        "GROUP BY event_id, user_id HAVING COUNT(*) > 1",
    )
    assert not twice, f"two active registrations of one person for one event: {twice}"

    def unconsented(table: str, where: str, purpose: str) -> list[Any]:
        return rows(
            config,
            f"SELECT DISTINCT t.user_id FROM {table} t WHERE {where} AND NOT EXISTS "
            "(SELECT 1 FROM consents c WHERE c.user_id = t.user_id AND c.purpose = ? "
            "AND c.withdrawn_at IS NULL)",
            (purpose,),
        )

    registered = unconsented("registrations", "t.status != 'cancelled'", "events")
    assert not registered, f"registrations without the events consent: {registered}"
    wishing = unconsented("event_wishes", "1", "wishes")
    assert not wishing, f"wishes without the wishes consent: {wishing}"
    many = rows(config, "SELECT user_id FROM event_wishes GROUP BY user_id HAVING COUNT(*) > 10")
    assert not many, f"more than 10 wishes: {many}"
    bare = rows(
        config,
        "SELECT id FROM users u WHERE NOT EXISTS (SELECT 1 FROM consents c WHERE c.user_id = u.id)",
    )
    assert not bare, f"people stored who never agreed to anything: {bare}"
    orphans = rows(
        config,
        "SELECT 'registrations', user_id FROM registrations WHERE user_id NOT IN "
        "(SELECT id FROM users) UNION ALL SELECT 'event_wishes', user_id FROM event_wishes "
        "WHERE user_id NOT IN (SELECT id FROM users) UNION ALL SELECT 'responses', user_id "
        "FROM responses WHERE user_id NOT IN (SELECT id FROM users)",
    )
    assert not orphans, f"data of people no longer stored: {[tuple(o) for o in orphans]}"
    events = await bot.services.events.catalog.all()  # every stored event loads
    for event in events:
        assert event.ends_at > event.starts_at, event.slug
    stored = rows(config, "SELECT COUNT(*) AS n FROM events")[0]["n"]
    assert stored >= len(events)
    awaiting = rows(config, "SELECT user_id, feature FROM awaiting WHERE user_id != ?", (STAFF,))
    assert not awaiting, f"typed input awaited from someone not staff: {awaiting}"


# -- the test ---------------------------------------------------------------------------------


@pytest.fixture
def errors() -> Iterator[Errors]:
    handler = Errors()
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield handler
    finally:
        root.removeHandler(handler)


def test_fuzz_events_update_path(tmp_path: Path, errors: Errors) -> None:
    config = harness.test_settings(tmp_path, admin_ids=frozenset({STAFF}))
    with asyncio.Runner() as runner:
        started = running_bot(config, clock=clock_at(NOW))
        bot = runner.run(started.__aenter__())
        try:
            runner.run(store(bot))
            runner.run(set_capacity(bot, 2, HAKI))  # full after two: people wait, and move up
            fuzz = EventsFuzz(bot, config, errors)

            @settings(
                max_examples=EXAMPLES,
                deadline=None,
                derandomize=True,  # the same examples on every machine and every run
                database=None,
                phases=PHASES,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
            )
            @given(people, st.booleans(), doings)
            def example(
                languages: list[str], with_staff: bool, doings: list[tuple[int, tuple[Any, ...]]]
            ) -> None:
                runner.run(fuzz.example(languages, with_staff, doings))

            example()
        finally:
            runner.run(started.__aexit__(None, None, None))
    assert not errors.seen, errors.seen  # stopping, too
    assert fuzz.updates >= 10 * EXAMPLES, fuzz.updates


# -- what the fuzz found ----------------------------------------------------------------------


async def test_a_forged_wizard_button_that_changes_nothing_is_no_longer_active(
    tmp_path: Path,
) -> None:
    """`wz:k:k:53.71` (a kind that is none) left the wizard as it was and drew the same screen
    again: Telegram refuses an edit to the same content, and staff were told nothing."""
    config = harness.test_settings(tmp_path, admin_ids=frozenset({STAFF}))
    async with running_bot(config, clock=clock_at(NOW)) as bot:
        staff = bot.user(STAFF)
        await staff.send("/buatacara")
        await staff.send("Dialog UMKM")
        await staff.tap("Lewati ⏭")
        screen = staff.last
        for forged in ("wz:k:k:53.71", "wz:k:k:", "wz:k:rg:xx"):
            await staff.deliver(staff.callback_update(forged, screen))
            toasts = bot.telegram.calls_to("answerCallbackQuery")
            assert toasts[-1].params.get("text") == "Tombol ini sudah tidak berlaku.", forged
        state = json.loads(rows(config, "SELECT state FROM awaiting")[0]["state"])
        assert state["queue"][0] == Step.KIND  # still asking the kind
        await staff.tap("Dialog")  # the real button still works
        assert staff.text.startswith("Acara baru, langkah 4 dari 12")
        # The page is said in the text, not drawn as a button that would do nothing.
        assert staff.text.endswith("Hlm. 1 dari 4")
        assert not [b for b in staff.buttons() if b.startswith("Hlm.")]
        assert staff.buttons()[0] == "Aceh"
        refused = [(c.method, e.description) for c, e in bot.telegram.refusals]
        assert not refused, refused


async def test_a_wizard_button_refused_twice_says_so_again_without_editing(
    tmp_path: Path,
) -> None:
    """'1 day before' for an event less than a day away is refused (the deadline has passed);
    tapped again, the note was on screen already and the same screen was drawn again: an
    edit Telegram refuses as not modified, and staff saw nothing happen."""
    config = harness.test_settings(tmp_path, admin_ids=frozenset({STAFF}))
    async with running_bot(config, clock=clock_at(NOW)) as bot:
        staff = bot.user(STAFF)
        await staff.send("/buatacara")
        await staff.send("Dialog UMKM")
        await staff.tap("Lewati ⏭")
        await staff.tap("Dialog")
        await staff.send("Kota Kupang")
        await staff.tap("Kota Kupang")
        await staff.send("Aula Kantor Wali Kota")
        await staff.send(_local(NOW + timedelta(hours=20)))  # tomorrow 12.00 WITA
        await staff.send("15.00")
        await staff.send("60")
        await staff.tap("1 hari sebelum")
        note = "Batas waktu itu sudah lewat. Silakan isi waktu yang lebih lambat."
        assert staff.text.startswith(note)
        await staff.tap("1 hari sebelum")
        toasts = bot.telegram.calls_to("answerCallbackQuery")
        assert toasts[-1].params.get("text") == note
        refused = [(c.method, e.description) for c, e in bot.telegram.refusals]
        assert not refused, refused
        await staff.tap("Saat acara mulai")  # the other button still works
        assert "langkah 10 dari 12" in staff.text
