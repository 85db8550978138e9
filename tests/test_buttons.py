"""Button data (handlers/buttons.py): every kind packs and unpacks the same, fits Telegram's 64
bytes, refuses what it did not write without raising, and keeps the format already in chats."""

from __future__ import annotations

import dataclasses
import re
import typing
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from telegram.ext import CallbackQueryHandler

from bot.core.survey.actions import Action
from bot.testing.harness import Bot
from handlers.buttons import (
    KINDS,
    LIMIT,
    AdminTap,
    AnnounceEvent,
    AnnounceResults,
    AuditTap,
    BroadcastPage,
    BroadcastTap,
    ButtonData,
    CancelPlace,
    ChooseRegion,
    ComposeAudience,
    ComposeCancel,
    ComposeSummary,
    ConfirmCancel,
    Consent,
    Erase,
    EventConsent,
    EventList,
    EventsIn,
    ExportTap,
    ForgetWish,
    FormAnnounce,
    FormDraft,
    FormImport,
    Language,
    Minor,
    NotifyMe,
    OpenEvent,
    OpenEventIn,
    PickSurvey,
    Register,
    Registry,
    ResultsFilter,
    ResultsPublic,
    ResultsShow,
    ShowTicket,
    StaffTap,
    SubConsent,
    SubEverywhere,
    SubOffer,
    SubPlaces,
    SubQuit,
    SubRegion,
    SubShow,
    SubStop,
    SubTopic,
    SurveyTap,
    WishConsent,
    Withdraw,
    WizardTap,
    kind_of,
)
from handlers.staff import StaffButtonHandler

ALL = list(KINDS)


def _size(data: str) -> int:
    return len(data.encode("utf-8"))


# -- what is already in people's chats --------------------------------------------------------

# Buttons sent before this module existed, and what they mean: they must keep working.
IN_CHATS: list[tuple[str, ButtonData]] = [
    ("q:7:c:kurir", SurveyTap(7, Action.CHOOSE, "kurir")),
    ("q:12:t:gojek", SurveyTap(12, Action.TOGGLE, "gojek")),
    ("q:3:d:", SurveyTap(3, Action.DONE)),
    ("q:3:y:", SurveyTap(3, Action.YES)),
    ("q:3:v:4", SurveyTap(3, Action.SCALE, "4")),
    ("q:0:pv:53", SurveyTap(0, Action.PROVINCE, "53")),
    ("q:9:rg:53.71", SurveyTap(9, Action.REGENCY, "53.71")),
    ("q:9:pg:2", SurveyTap(9, Action.PAGE, "2")),
    ("q:5:e:hari", SurveyTap(5, Action.EDIT, "hari")),
    ("q:5:ok:", SurveyTap(5, Action.SUBMIT)),
    ("q:5:xy:", SurveyTap(5, Action.STOP)),
    ("cs:y:bpjs_kupang", Consent(agree=True, payload="bpjs_kupang")),
    ("cs:y:", Consent(agree=True)),
    ("cs:n:", Consent(agree=False)),
    ("sv:bpjs", PickSurvey("bpjs")),
    ("lang:en", Language("en")),
    ("erase:y", Erase(confirm=True)),
    ("erase:n", Erase(confirm=False)),
]


@pytest.mark.parametrize(("data", "value"), IN_CHATS)
def test_buttons_already_in_chats_keep_their_meaning(data: str, value: ButtonData) -> None:
    assert type(value).unpack(data) == value
    assert value.pack() == data
    assert kind_of(data) is type(value)


def test_action_codes_never_change() -> None:
    """Every code is in buttons already sent: renaming one would break them."""
    codes = {a.name: a.value for a in Action}
    assert codes == {
        "CHOOSE": "c", "TOGGLE": "t", "DONE": "d", "YES": "y", "NO": "n", "SCALE": "v",
        "PROVINCE": "pv", "REGENCY": "rg", "PAGE": "pg", "BACK": "b", "SKIP": "s", "KEEP": "f",
        "EDIT": "e", "SUBMIT": "ok", "STOP": "xy", "CARRY_ON": "xn", "ACKNOWLEDGE": "ak",
        "DEFAULT": "df",
    }  # fmt: skip


def test_the_kinds_and_their_prefixes() -> None:
    """One place lists every prefix in use, and which are for staff."""
    assert {k.prefix: k for k in ALL} == {
        "q": SurveyTap,
        "cs": Consent,
        "sv": PickSurvey,
        "lang": Language,
        "erase": Erase,
        "wd": Withdraw,
        "evl": EventList,
        "evt": OpenEvent,
        "evg": EventsIn,
        "evi": OpenEventIn,
        "evp": ChooseRegion,
        "evr": Register,
        "evc": EventConsent,
        "evx": CancelPlace,
        "evy": ConfirmCancel,
        "ci": ShowTicket,
        "evw": NotifyMe,
        "evqc": WishConsent,
        "evq": ForgetWish,
        "wz": WizardTap,
        "adm": AdminTap,
        "minor": Minor,
        "subc": SubConsent,
        "subt": SubTopic,
        "subp": SubPlaces,
        "subr": SubRegion,
        "suba": SubEverywhere,
        "subs": SubShow,
        "subx": SubStop,
        "subo": SubOffer,
        "bc": AnnounceEvent,
        "bca": ComposeAudience,
        "bcs": ComposeSummary,
        "bcx": ComposeCancel,
        "bp": BroadcastTap,
        "bph": BroadcastPage,
        "subq": SubQuit,
        "st": StaffTap,
        "au": AuditTap,
        "rs": ResultsShow,
        "rsf": ResultsFilter,
        "rsp": ResultsPublic,
        "ex": ExportTap,
        "bcr": AnnounceResults,
        "xf": FormImport,
        "xfd": FormDraft,
        "xfp": FormAnnounce,
    }
    assert {k for k in ALL if k.staff} == {
        WizardTap,
        AdminTap,
        BroadcastTap,
        BroadcastPage,
        AnnounceEvent,
        ComposeAudience,
        ComposeSummary,
        ComposeCancel,
        StaffTap,
        AuditTap,
        ResultsShow,
        ResultsFilter,
        ExportTap,
        AnnounceResults,
        FormImport,
        FormDraft,
        FormAnnounce,
    }


# -- every kind, round trip -------------------------------------------------------------------


def _values(kind: type[ButtonData]) -> st.SearchStrategy[Any]:
    """Any value of the kind, fitting in a button or not."""
    hints = typing.get_type_hints(kind)
    names = [f.name for f in dataclasses.fields(kind)]
    fields: dict[str, st.SearchStrategy[Any]] = {}
    for name in names:
        field = hints[name]
        if field is bool:
            fields[name] = st.booleans()
        elif field is int:
            fields[name] = st.integers(0, 10**12 - 1)
        elif isinstance(field, type) and issubclass(field, StrEnum):
            fields[name] = st.sampled_from(list(field))
        else:  # only the last field may hold a colon
            text = st.text(max_size=70)
            fields[name] = text if name == names[-1] else text.filter(lambda t: ":" not in t)
    return st.builds(kind, **fields)


def _spelled(value: ButtonData) -> str:
    """The data as the module's docstring says it is written: the check on `pack`."""
    fields = [getattr(value, f.name) for f in dataclasses.fields(value)]
    spelled = [("y" if f else "n") if isinstance(f, bool) else str(f) for f in fields]
    return ":".join([value.prefix, *spelled])


@pytest.mark.parametrize("kind", ALL, ids=lambda k: k.__name__)
@given(data=st.data())
def test_every_kind_round_trips_or_is_refused_for_its_size(
    kind: type[ButtonData], data: st.DataObject
) -> None:
    value = data.draw(_values(kind))
    try:
        packed = value.pack()
    except ValueError:
        # Only for being too long: every field of these values can be written.
        assert _size(_spelled(value)) > LIMIT
        return
    assert packed == _spelled(value)
    assert _size(packed) <= LIMIT
    assert kind.unpack(packed) == value
    assert kind_of(packed) is kind
    assert re.match(kind.pattern, packed)


def test_the_longest_buttons_the_bot_draws_fit() -> None:
    """Survey, choice and question ids are at most 32 characters (bot/core/survey/model.py),
    revisions at most 12 digits, and region codes short: every survey button fits."""
    longest_id = "a" * 32
    longest_code = max((a.value for a in Action), key=len)
    assert _size(SurveyTap(10**12 - 1, Action(longest_code), longest_id).pack()) <= LIMIT
    assert _size(PickSurvey(longest_id).pack()) <= LIMIT
    assert _size(Consent.agreeing(longest_id).pack()) <= LIMIT


# -- the 64-byte limit and what cannot be written ---------------------------------------------


def test_pack_refuses_more_than_64_bytes() -> None:
    fits = SurveyTap(1, Action.EDIT, "x" * (LIMIT - len("q:1:e:")))
    assert _size(fits.pack()) == LIMIT
    with pytest.raises(ValueError, match="64"):
        SurveyTap(1, Action.EDIT, "x" * (LIMIT - len("q:1:e:") + 1)).pack()
    # Bytes, not characters: "é" is two.
    with pytest.raises(ValueError, match="64"):
        PickSurvey("é" * 31).pack()


@pytest.mark.parametrize(
    "value",
    [
        SurveyTap(-1, Action.CHOOSE, "x"),
        SurveyTap(10**12, Action.CHOOSE, "x"),
        SurveyTap("5", Action.CHOOSE, "x"),
        SurveyTap(True, Action.CHOOSE, "x"),
        SurveyTap(5, "c", "x"),
        Erase("y"),
        PickSurvey(None),
        PickSurvey("\ud800"),  # a lone surrogate has no UTF-8
    ],
    ids=repr,
)
def test_pack_refuses_what_it_cannot_write(value: ButtonData) -> None:
    with pytest.raises(ValueError):
        value.pack()


@pytest.mark.parametrize(
    ("payload", "kept"),
    [
        ("bpjs_kupang", "bpjs_kupang"),
        (None, ""),
        ("x" * 64, "x" * (LIMIT - len("cs:y:"))),  # Telegram's longest start payload
        ("é" * 40, "é" * 29),  # cut between characters, never inside one
    ],
)
def test_consent_keeps_as_much_of_the_payload_as_fits(payload: str | None, kept: str) -> None:
    button = Consent.agreeing(payload)
    assert button == Consent(agree=True, payload=kept)
    assert _size(button.pack()) <= LIMIT


# -- malformed and forged data ----------------------------------------------------------------

FORGED = [
    None,
    "",
    ":",
    "q",
    "q:",
    "q:1",
    "q:1:c",  # no argument field at all
    "q:x:c:ojol",
    "q::c:ojol",
    "q:-1:c:ojol",
    "q:01:c:ojol",  # a leading zero: not how the bot writes a number
    "q:²:c:ojol",
    "q:①:c:ojol",
    "q:٣:c:ojol",
    "q:" + "9" * 13 + ":c:x",
    "q:999:zz:",  # no such action
    "q:1:C:kurir",
    "q:1:c:" + "x" * 60,  # over 64 bytes: Telegram never sends it
    "q:1:c:\ud800",  # a lone surrogate, as JSON can carry one
    "Q:1:c:kurir",
    " q:1:c:kurir",
    "cs",
    "cs:",
    "cs:y",
    "cs:x:",
    "cs:Y:",
    "cs:²",
    "sv",
    "lang",
    "erase",
    "erase:",
    "erase:yes",
    "erase:y:",
    "erase:²",
    "zz:top",
    "²",
]


@pytest.mark.parametrize("data", FORGED, ids=repr)
def test_malformed_and_forged_data_unpacks_to_none(data: str | None) -> None:
    assert [k.unpack(data) for k in ALL] == [None] * len(ALL)


def test_the_last_field_takes_the_colons() -> None:
    assert SurveyTap.unpack("q:1:c:a:b") == SurveyTap(1, Action.CHOOSE, "a:b")
    assert Consent.unpack("cs:y::") == Consent(agree=True, payload=":")


@pytest.mark.parametrize("kind", ALL, ids=lambda k: k.__name__)
@given(text=st.text())
def test_unpack_never_raises(kind: type[ButtonData], text: str) -> None:
    for data in (text, f"{kind.prefix}:{text}"):
        value = kind.unpack(data)
        # Only what pack writes unpacks, so one value has one spelling.
        assert value is None or (type(value) is kind and value.pack() == data)


@given(
    data=st.one_of(
        st.text(),
        st.builds(lambda k, t: f"{k.prefix}{t}", st.sampled_from(ALL), st.text(max_size=64)),
    )
)
def test_kind_of_and_the_handler_patterns_agree(data: str) -> None:
    """A tap goes to the handler of the kind `kind_of` names, and to no other."""
    matched = [k for k in ALL if re.match(k.pattern, data)]
    found = kind_of(data)
    assert matched == ([found] if found else [])
    if found is None:
        assert [k.unpack(data) for k in ALL] == [None] * len(ALL)


# -- the registry -----------------------------------------------------------------------------


def test_a_taken_prefix_is_refused() -> None:
    with pytest.raises(ValueError, match=r"'q'.*SurveyTap"):

        @dataclass(frozen=True)
        class Again(ButtonData, prefix="q"):
            rev: int

    assert kind_of("q:1:c:kurir") is SurveyTap
    assert list(KINDS) == ALL


def test_a_taken_prefix_is_refused_in_any_registry() -> None:
    mine = Registry()

    class First(ButtonData, prefix="ev", registry=mine):
        pass

    with pytest.raises(ValueError, match="already"):

        class Second(ButtonData, prefix="ev", registry=mine):
            pass

    assert mine.kind_of("ev") is First
    assert kind_of("ev") is None  # not in the bot's own registry


@pytest.mark.parametrize("prefix", ["", "Q", "q1", "a:b", "é", "toolongprefix"])
def test_a_prefix_is_a_few_lowercase_letters(prefix: str) -> None:
    with pytest.raises(ValueError, match="prefix"):

        class Bad(ButtonData, prefix=prefix, registry=Registry()):
            pass


class Colour(StrEnum):
    RED = "r"
    BLUE = "b"


class Colon(StrEnum):
    ODD = "a:b"


def test_field_types_are_checked_at_import() -> None:
    with pytest.raises(TypeError, match="int, bool, str or a StrEnum"):

        @dataclass(frozen=True)
        class Floats(ButtonData, prefix="fl", registry=Registry()):
            x: float

    with pytest.raises(TypeError, match="hold ':'"):

        @dataclass(frozen=True)
        class Colons(ButtonData, prefix="co", registry=Registry()):
            c: Colon


# Kinds in a registry of their own: what the bot's kinds do not exercise yet.
TESTING = Registry()


@dataclass(frozen=True)
class Ping(ButtonData, prefix="ping", registry=TESTING):
    """No fields: the data is the prefix alone."""


@dataclass(frozen=True)
class Paint(ButtonData, prefix="paint", staff=True, registry=TESTING):
    """A str field before the last one, and a check of its own."""

    wall: str
    colour: Colour
    coats: int

    def __post_init__(self) -> None:
        if not 1 <= self.coats <= 3:
            raise ValueError("one to three coats")


def test_a_kind_without_fields() -> None:
    assert Ping().pack() == "ping"
    assert Ping.unpack("ping") == Ping()
    assert Ping.unpack("ping:") is None
    assert re.match(Ping.pattern, "ping") and not re.match(Ping.pattern, "pingx")
    assert not re.match(Ping.pattern, "ping\n")


def test_fields_before_the_last_hold_no_colon() -> None:
    assert Paint("north", Colour.RED, 2).pack() == "paint:north:r:2"
    assert Paint.unpack("paint:north:r:2") == Paint("north", Colour.RED, 2)
    with pytest.raises(ValueError, match="only the last field"):
        Paint("no:rth", Colour.RED, 2).pack()
    assert Paint.unpack("paint:no:rth:r:2") is None


def test_a_kind_may_refuse_values_of_its_own() -> None:
    """A ValueError from __post_init__ makes unpack say None, like any forged data."""
    assert Paint.unpack("paint:north:b:4") is None
    assert Paint.unpack("paint:north:g:2") is None  # no such colour


def test_staff_kinds_are_marked_so() -> None:
    kind = TESTING.kind_of("paint:north:r:2")
    assert kind is Paint and kind.staff
    assert TESTING.kind_of("ping") is Ping and not Ping.staff


# -- wiring -----------------------------------------------------------------------------------


async def test_every_kind_has_its_handler_and_only_staff_kinds_the_staff_guard(bot: Bot) -> None:
    """A kind without a handler would only ever be answered "no longer active"; a staff kind
    with a plain handler would work for anyone."""
    handlers = [
        h
        for group in bot.app.handlers.values()
        for h in group
        if isinstance(h, CallbackQueryHandler) and isinstance(h.pattern, re.Pattern)
    ]
    for kind in ALL:
        taking = [h for h in handlers if h.pattern.pattern == kind.pattern]
        assert len(taking) == 1, kind
        assert isinstance(taking[0], StaffButtonHandler) == kind.staff, kind
