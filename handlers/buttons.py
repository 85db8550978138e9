"""What buttons carry: each kind of button is one typed definition, packed and unpacked here.

Telegram gives a button up to 64 bytes of `callback_data` and hands them back in the tap; anyone
can also send the bot any data they like. Each kind of button is a frozen dataclass with a short
prefix of its own, and its fields in order:

    @dataclass(frozen=True)
    class PickSurvey(ButtonData, prefix="sv"):
        survey_id: str

    PickSurvey("bpjs").pack()        # "sv:bpjs"
    PickSurvey.unpack("sv:bpjs")     # PickSurvey(survey_id='bpjs'); None for anything else
    CallbackQueryHandler(on_pick, pattern=PickSurvey.pattern)

The data is the prefix, then each field after a colon. A field is an `int` (ASCII digits only,
at most 12, no sign, no leading zero), a `bool` (`y` or `n`), a `StrEnum` (its value), or a
`str` (anything; only the last field may hold a colon). So the format is written once, here,
and the code that draws a button and the code that reads its tap cannot disagree about it.

- `pack` raises ValueError for data over 64 bytes (or a field it cannot write): a button too
  long is a bug a test finds, not a message Telegram refuses in someone's chat.
- `unpack` never raises. Malformed or forged data is None, which the handler answers as a
  button no longer active. A kind's `__post_init__` may refuse values with ValueError, which
  `unpack` turns into None too. Only data `pack` could have written unpacks, so one value has
  one spelling.
- Prefixes are unique: a second kind with a taken prefix stops the import, so a new feature
  (events, broadcasts, staff wizards) adds its kinds below without colliding with others.
  `kind_of(data)` names the kind a piece of data belongs to. `staff=True` marks a kind only
  staff may use: its handler is a `StaffButtonHandler` (handlers/staff.py), which declines
  the tap for anyone else; tests/test_buttons.py checks that every kind has its handler.

Buttons already sit in people's chats, so a kind's prefix and its fields' order stay as they
are: a new layout needs a new prefix.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, ClassVar, NoReturn, Self, get_type_hints

from telegram import Update

from bot.core.events.draft import Step
from bot.core.survey.actions import Action

# Telegram's limit for callback_data, in bytes of UTF-8.
LIMIT = 64

_PREFIX = re.compile(r"[a-z]{1,8}")
# ASCII only (str.isdigit() also takes "²", which int() refuses), and bounded: a revision is
# counted one per change and never nears a trillion, and forged data cannot store fifty digits.
# No leading zero, so that a number has one spelling.
_INT = re.compile(r"0|[1-9][0-9]{0,11}")
_INT_END = 10**12


class Registry:
    """The kinds of button, by prefix. The bot has one (KINDS); tests make their own."""

    def __init__(self) -> None:
        self._kinds: dict[str, type[ButtonData]] = {}

    def add(self, kind: type[ButtonData]) -> None:
        taken = self._kinds.get(kind.prefix)
        if taken is not None:
            raise ValueError(
                f"button prefix {kind.prefix!r} of {kind.__qualname__} is already "
                f"{taken.__qualname__}'s"
            )
        self._kinds[kind.prefix] = kind

    def kind_of(self, data: str | None) -> type[ButtonData] | None:
        """The kind `data` belongs to, by its prefix: that kind's handler answers it, even when
        its `unpack` refuses the rest. None for data no kind of ours writes."""
        if not isinstance(data, str):
            return None
        return self._kinds.get(data.partition(":")[0])

    def __iter__(self) -> Iterator[type[ButtonData]]:
        return iter(list(self._kinds.values()))


KINDS = Registry()
kind_of = KINDS.kind_of


@dataclass(frozen=True)
class _Field:
    """How one field is written and read, chosen once per kind (buttons are drawn often)."""

    name: str
    write: Callable[[Any], str]  # ValueError for a value it cannot write
    read: Callable[[str], Any]  # ValueError for text it would not have written


def _field(where: str, kind: Any, last: bool) -> _Field:
    name = where.rpartition(".")[2]

    def refuse(value: object) -> NoReturn:
        raise ValueError(f"{where}={value!r} cannot be written in a button")

    if kind is bool:

        def write(value: Any) -> str:
            return "y" if value is True else "n" if value is False else refuse(value)

        def read(text: str) -> Any:
            return True if text == "y" else False if text == "n" else refuse(text)

    elif kind is int:

        def write(value: Any) -> str:
            return str(value) if type(value) is int and 0 <= value < _INT_END else refuse(value)

        def read(text: str) -> Any:
            return int(text) if _INT.fullmatch(text) else refuse(text)

    elif kind is str:

        def write(value: Any) -> str:
            if not isinstance(value, str):
                refuse(value)
            if ":" in value and not last:  # the last field takes the rest of the data
                raise ValueError(f"{where}={value!r}: only the last field may hold ':'")
            return value

        def read(text: str) -> Any:
            return text

    elif isinstance(kind, type) and issubclass(kind, StrEnum):
        members = {m.value: m for m in kind}
        if any(not code or ":" in code for code in members):
            raise TypeError(f"{where}: {kind.__name__} has values that are empty or hold ':'")

        def write(value: Any) -> str:
            # A member is a str whose text is its value.
            return value if isinstance(value, kind) else refuse(value)

        def read(text: str) -> Any:
            member = members.get(text)
            return member if member is not None else refuse(text)

    else:
        raise TypeError(f"{where}: a button field is int, bool, str or a StrEnum")
    return _Field(name, write, read)


def _fields_of(cls: type) -> tuple[_Field, ...]:
    # Only the class's own annotations are fields, in the order written (not inherited ones).
    names = list(inspect.get_annotations(cls))
    hints = get_type_hints(cls)
    return tuple(
        _field(f"{cls.__qualname__}.{name}", hints[name], last=i == len(names) - 1)
        for i, name in enumerate(names)
    )


class ButtonData:
    """The base of every kind of button; see the module's docstring."""

    prefix: ClassVar[str]
    staff: ClassVar[bool]
    # For CallbackQueryHandler: the taps whose data this kind claims (the same as `kind_of`).
    pattern: ClassVar[str]
    _fields: ClassVar[tuple[_Field, ...]]

    def __init_subclass__(
        cls, *, prefix: str, staff: bool = False, registry: Registry = KINDS, **kwargs: Any
    ) -> None:
        super().__init_subclass__(**kwargs)
        if not _PREFIX.fullmatch(prefix):
            raise ValueError(f"{cls.__qualname__}: a button prefix is 1 to 8 letters a-z")
        cls.prefix = prefix
        cls.staff = staff
        cls.pattern = rf"^{prefix}(?::|\Z)"
        cls._fields = _fields_of(cls)
        registry.add(cls)

    def pack(self) -> str:
        """The button's callback_data; ValueError if it cannot be written or is over 64 bytes."""
        data = ":".join([self.prefix, *[f.write(getattr(self, f.name)) for f in self._fields]])
        size = len(data.encode("utf-8"))  # a lone surrogate raises here: also a ValueError
        if size > LIMIT:
            raise ValueError(f"{data!r} is {size} bytes; Telegram takes at most {LIMIT}")
        return data

    @classmethod
    def tapped(cls, update: Update) -> Self | None:
        """The button of this kind the person tapped, or None (no tap, or data not ours)."""
        query = update.callback_query
        return cls.unpack(query.data if query else None)

    @classmethod
    def unpack(cls, data: str | None) -> Self | None:
        """The button `data` stands for, or None for anything `pack` would not have written."""
        if not isinstance(data, str):
            return None
        try:
            if len(data.encode("utf-8")) > LIMIT:
                return None
            prefix, colon, rest = data.partition(":")
            if prefix != cls.prefix or bool(colon) != bool(cls._fields):
                return None
            # Only the last field may hold a colon: it takes the rest.
            texts = rest.split(":", len(cls._fields) - 1) if cls._fields else []
            if len(texts) != len(cls._fields):
                return None
            return cls(**{f.name: f.read(t) for f, t in zip(cls._fields, texts, strict=True)})
        except ValueError:  # includes UnicodeEncodeError, for a lone surrogate
            return None


# -- the kinds of button -----------------------------------------------------------------------


@dataclass(frozen=True)
class SurveyTap(ButtonData, prefix="q"):
    """A button on a survey screen: a question, the review, the /batal confirmation.

    `rev` is the session's revision when the screen was drawn, so a tap on an older message is
    recognised as stale instead of being applied twice. Choices and questions are named by id
    (at most 32 characters), which keeps old buttons right if a survey file is reordered.
    """

    rev: int
    action: Action
    arg: str = ""


@dataclass(frozen=True)
class Consent(ButtonData, prefix="cs"):
    """The answer to the data notice. Nothing is stored before consent, so the deep-link payload
    the person came with waits in the Agree button."""

    agree: bool
    payload: str = ""

    @classmethod
    def agreeing(cls, payload: str | None) -> Consent:
        """Agree, with as much of `payload` as fits in the button. Telegram's start payloads
        (at most 64 characters) can be longer than that: a cut one finds no survey, and the
        person is offered the list instead."""
        room = LIMIT - len(cls(agree=True).pack().encode())
        kept = (payload or "").encode("utf-8", "ignore")[:room].decode("utf-8", "ignore")
        return cls(agree=True, payload=kept)


@dataclass(frozen=True)
class PickSurvey(ButtonData, prefix="sv"):
    """A survey in the list of surveys."""

    survey_id: str


@dataclass(frozen=True)
class Language(ButtonData, prefix="lang"):
    """/bahasa: the language chosen."""

    locale: str


@dataclass(frozen=True)
class Erase(ButtonData, prefix="erase"):
    """/hapusdata: delete everything (True) or keep it."""

    confirm: bool


@dataclass(frozen=True)
class Withdraw(ButtonData, prefix="wd"):
    """/hapusdata: withdraw consent to one purpose ("survey", "events", "wishes"), deleting
    its data and keeping the rest."""

    purpose: str


@dataclass(frozen=True)
class EventList(ButtonData, prefix="evl"):
    """/acara: a page of upcoming events (the "more" button, and "back" from an event)."""

    page: int


@dataclass(frozen=True)
class OpenEvent(ButtonData, prefix="evt"):
    """/acara: one event's details. `page` is the list page it was opened from, for "back"."""

    event_id: int
    page: int = 0


@dataclass(frozen=True)
class EventsIn(ButtonData, prefix="evg"):
    """/acara in a region the person picked: a page of upcoming events, those there first.
    The region rides in the button and is never stored: where someone looks is theirs, and
    nothing is kept about a person before they agree to it."""

    page: int
    region: str  # a Kemendagri code ("53" or "53.71")


@dataclass(frozen=True)
class OpenEventIn(ButtonData, prefix="evi"):
    """One event's details opened from a list in a picked region (its "back" returns there)."""

    event_id: int
    page: int
    region: str


@dataclass(frozen=True)
class ChooseRegion(ButtonData, prefix="evp"):
    """/acara: where to look. An empty `province` lists the provinces that have upcoming
    events; a province's code lists its kabupaten/kota that have some."""

    province: str = ""


@dataclass(frozen=True)
class Register(ButtonData, prefix="evr"):
    """Daftar on an event's details: register, or join the waiting list."""

    event_id: int


@dataclass(frozen=True)
class EventConsent(ButtonData, prefix="evc"):
    """The answer to the events data notice; the event the person was registering for waits
    in the button, so agreeing registers them straight away."""

    agree: bool
    event_id: int


@dataclass(frozen=True)
class CancelPlace(ButtonData, prefix="evx"):
    """/acarasaya: cancel one's place at an event (asks first)."""

    event_id: int


@dataclass(frozen=True)
class ConfirmCancel(ButtonData, prefix="evy"):
    """/acarasaya: the answer to "cancel your place?"."""

    event_id: int
    confirm: bool


@dataclass(frozen=True)
class ShowTicket(ButtonData, prefix="ci"):
    """🎫 on /acarasaya and on a reminder: send the check-in QR code and the calendar file of
    one's seat again."""

    event_id: int


class WizardAction(StrEnum):
    """What a button of the staff event wizard does (codes are in buttons already sent)."""

    KIND = "k"  # arg: the kind
    PROVINCE = "pv"  # arg: a province code: show its kabupaten/kota
    REGION = "rg"  # arg: the region chosen (a kabupaten/kota, or a whole province)
    PAGE = "pg"  # arg: "<province code or nothing>/<page>"
    SKIP = "s"
    END = "e"  # arg: hours after the start
    NO_LIMIT = "n"
    CLOSES = "d"  # arg: days before the start ("0": when it starts)
    CANCEL = "x"  # stop the wizard, nothing stored
    PUBLISH = "ok"
    CHANGE = "ch"  # the list of parts to change
    PART = "pt"  # arg: the part to ask again
    PREVIEW = "pr"  # back to the preview
    DISCARD = "dx"
    SAVE = "sv"  # arg: "tell" to tell the registrants of the change


@dataclass(frozen=True)
class WizardTap(ButtonData, prefix="wz", staff=True):
    """A button of /buatacara (and of changing a published event). `step` is the step the
    screen was drawn for, so a tap on an older screen is told apart from one on the current."""

    step: Step
    action: WizardAction
    arg: str = ""


class AdminAction(StrEnum):
    """What a button of /kelolaacara does."""

    LIST = "l"  # event_id holds the page
    OPEN = "o"
    PEOPLE = "p"
    CHANGE = "ch"
    PART = "pt"  # arg: the part to change
    CANCEL = "x"  # asks first
    CONFIRM = "y"


@dataclass(frozen=True)
class AdminTap(ButtonData, prefix="adm", staff=True):
    """/kelolaacara: an event's admin screen and what it offers."""

    action: AdminAction
    event_id: int
    arg: str = ""


@dataclass(frozen=True)
class NotifyMe(ButtonData, prefix="evw"):
    """🔔 under a question no event answers: keep a wish for such an event. The words of the
    question that carry its criteria ride in the button (`WISH_WORDS` bytes at most), so
    nothing is stored before the person agrees to the wishes notice."""

    words: str


@dataclass(frozen=True)
class WishConsent(ButtonData, prefix="evqc"):
    """The answer to the wishes notice; the wish waits in the button, kept once they agree."""

    agree: bool
    words: str = ""


@dataclass(frozen=True)
class ForgetWish(ButtonData, prefix="evq"):
    """/acarasaya: remove one of one's wishes."""

    wish_id: int


# Room for a wish's words in NotifyMe and WishConsent alike.
WISH_WORDS = LIMIT - len(WishConsent(True).pack().encode())


@dataclass(frozen=True)
class Minor(ButtonData, prefix="minor"):
    """The "I am under 18" button of a consent notice (`purpose`: "survey", "events", "wishes"
    or "announcements").
    Nothing is stored for a child (UU PDP Pasal 25: their data needs a parent's or guardian's
    consent, which the bot cannot collect), not even this answer."""

    purpose: str


@dataclass(frozen=True)
class SubConsent(ButtonData, prefix="subc"):
    """The answer to the announcements notice (/langganan)."""

    agree: bool


@dataclass(frozen=True)
class SubTopic(ButtonData, prefix="subt"):
    """/langganan: turn a topic ("events", "surveys", "bpjs") on or off."""

    topic: str


@dataclass(frozen=True)
class SubPlaces(ButtonData, prefix="subp"):
    """/langganan: where to hear about. Empty `province`: the provinces; a province's code:
    its kabupaten/kota."""

    province: str = ""


@dataclass(frozen=True)
class SubRegion(ButtonData, prefix="subr"):
    """/langganan: turn a region (a province whole, or a kabupaten/kota) on or off."""

    region: str


@dataclass(frozen=True)
class SubEverywhere(ButtonData, prefix="suba"):
    """/langganan: all of Indonesia (the chosen regions are cleared)."""


@dataclass(frozen=True)
class SubShow(ButtonData, prefix="subs"):
    """/langganan: back to the topics screen (`done`: close it with a summary)."""

    done: bool = False


@dataclass(frozen=True)
class SubStop(ButtonData, prefix="subx"):
    """/berhenti: the answer to "stop all announcements?"."""

    confirm: bool


@dataclass(frozen=True)
class SubOffer(ButtonData, prefix="subo"):
    """🔔 under the thanks for a survey: /langganan, in place of the offer."""


@dataclass(frozen=True)
class SubQuit(ButtonData, prefix="subq"):
    """🔕 under every announcement: opens the /berhenti question."""


class AudienceStep(StrEnum):
    """What a button of /umumkan's audience picker does (codes are in buttons already sent)."""

    MENU = "m"  # the kinds of audience
    ALL = "all"
    TOPICS = "tl"
    TOPIC = "t"  # arg: the topic
    PROVINCES = "pl"
    PROVINCE = "p"  # arg: a province code: its kabupaten/kota
    REGION = "r"  # arg: the region chosen (a kabupaten/kota, or a whole province)
    EVENTS = "el"  # arg: the page
    EVENT = "e"  # arg: the event id
    SURVEYS = "sl"  # arg: "done" (respondents) or "unfinished"
    SURVEY = "s"  # arg: the survey id: its respondents
    UNFINISHED = "u"  # arg: the survey id: who started it and did not finish


@dataclass(frozen=True)
class ComposeAudience(ButtonData, prefix="bca", staff=True):
    """/umumkan: choosing who receives the announcement. `draft` is the number of the draft
    the screen was drawn for: a button of an older draft is no longer active."""

    draft: int
    step: AudienceStep
    arg: str = ""


class ComposeAction(StrEnum):
    """What a button of /umumkan's summary does."""

    SEND = "ok"  # confirm: send now, or at the scheduled time
    SCHEDULE = "at"  # ask for a time
    NOW = "now"  # drop the scheduled time
    URGENT = "u"  # toggle: also at night (no quiet hours)
    AUDIENCE = "aud"  # choose the recipients again
    SUMMARY = "b"  # back to the summary


@dataclass(frozen=True)
class ComposeSummary(ButtonData, prefix="bcs", staff=True):
    """/umumkan: a button of the summary (see ComposeAction)."""

    draft: int
    action: ComposeAction


@dataclass(frozen=True)
class ComposeCancel(ButtonData, prefix="bcx", staff=True):
    """/umumkan: ✖️ Batal, at any step: nothing is sent, the draft is dropped."""

    draft: int


@dataclass(frozen=True)
class AnnounceEvent(ButtonData, prefix="bc", staff=True):
    """📣 under a newly published event: /umumkan with the event's card as the content and
    the subscribers to events in its region as the audience."""

    event_id: int


class BroadcastAction(StrEnum):
    OPEN = "o"  # /siaran: show the broadcast's progress (or summary) again
    PAUSE = "p"
    RESUME = "r"
    CANCEL = "c"  # asks first
    CONFIRM = "x"  # yes, cancel it
    KEEP = "k"  # no, let it go on


@dataclass(frozen=True)
class BroadcastTap(ButtonData, prefix="bp", staff=True):
    """A broadcast's progress message and /siaran: pause, resume, cancel, show again."""

    action: BroadcastAction
    broadcast_id: int


@dataclass(frozen=True)
class BroadcastPage(ButtonData, prefix="bph", staff=True):
    """/siaran: a page of past and running broadcasts, newest first."""

    page: int


class StaffAction(StrEnum):
    """What a button of /staf does."""

    LIST = "l"  # the list again
    ADD = "a"  # the person picker (or a typed id)
    REVOKE = "r"  # asks first
    CONFIRM = "x"  # yes, revoke
    KEEP = "k"  # no


@dataclass(frozen=True)
class StaffTap(ButtonData, prefix="st", staff=True):
    """/staf (admins): add staff, revoke a staff member's role (`user_id`: 0 when none)."""

    action: StaffAction
    user_id: int


class AuditAction(StrEnum):
    PAGE = "p"  # show page `page` (0: the newest entries)
    FILE = "f"  # the whole log as a CSV file


@dataclass(frozen=True)
class AuditTap(ButtonData, prefix="au", staff=True):
    """/audit (admins): a page of the log, or the whole log as a file."""

    action: AuditAction
    page: int


# -- results (/hasil, and interim results for respondents) --------------------------------------


@dataclass(frozen=True)
class ResultsShow(ButtonData, prefix="rs", staff=True):
    """/hasil: one survey's results over `days` (0: all time) in `place` ("" all of Indonesia,
    "53" a province, "53.71" a kabupaten/kota)."""

    survey_id: str
    days: int
    place: str


class ResultsStep(StrEnum):
    LIST = "l"  # the list of surveys again
    PLACES = "p"  # choose a place (provinces; a province's kabupaten/kota when one is chosen)
    PERIODS = "d"  # choose a period


@dataclass(frozen=True)
class ResultsFilter(ButtonData, prefix="rsf", staff=True):
    """/hasil: the choices for narrowing a survey's results, keeping the rest of the selection."""

    survey_id: str
    days: int
    step: ResultsStep
    place: str


@dataclass(frozen=True)
class ResultsPublic(ButtonData, prefix="rsp"):
    """A respondent: a survey's interim results, for everyone or (`mine`) their own province."""

    survey_id: str
    mine: bool


class ExportPeriod(StrEnum):
    """/ekspor: which responses, or a step of the screens."""

    ASK = "s"  # a survey chosen: ask which responses
    ALL = "all"
    WEEK = "7"  # submitted in the last 7 days
    MONTH = "30"  # submitted in the last 30 days
    BACK = "b"  # back to the list of surveys


@dataclass(frozen=True)
class ExportTap(ButtonData, prefix="ex", staff=True):
    """/ekspor: a survey chosen, then the responses to send as Excel and CSV files."""

    period: ExportPeriod
    survey_id: str = ""


@dataclass(frozen=True)
class AnnounceResults(ButtonData, prefix="bcr", staff=True):
    """/hasil: announce a survey's interim results (its public questions) to its respondents,
    through /umumkan's summary."""

    survey_id: str


# -- imported XLSForms (issue 10): staff send a form, preview it, publish it ------------------


@dataclass(frozen=True)
class FormImport(ButtonData, prefix="xf", staff=True):
    """A form refused for parts chat cannot run: import it without them. `digest` names the
    file the bot kept (the start of its SHA-256): a Telegram file id does not fit a button."""

    digest: str


class FormAction(StrEnum):
    PREVIEW = "v"  # 👀 answer the draft in this chat, as a respondent would; nothing counted
    PUBLISH = "p"  # ✅ make it live (asks first when it replaces a live version)
    CONFIRM = "c"  # yes, replace the live version
    DISCARD = "d"  # 🗑 throw the draft away
    SHOW = "s"  # the draft again, with its buttons (after a preview, or "not now")


@dataclass(frozen=True)
class FormDraft(ButtonData, prefix="xfd", staff=True):
    """Under an imported draft: version `version` of survey `survey_id`."""

    action: FormAction
    version: int
    survey_id: str


@dataclass(frozen=True)
class FormAnnounce(ButtonData, prefix="xfp", staff=True):
    """📣 under a form just published: announce it, with its link, through /umumkan."""

    survey_id: str
