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
- Prefixes are unique: a second kind with a taken prefix stops the import. `kind_of(data)`
  names the kind a tap belongs to, and `staff=True` marks kinds only staff may use, for a
  guard to refuse them to everyone else before their handler runs.

Buttons already sit in people's chats, so a kind's prefix and its fields' order stay as they
are: a new layout needs a new prefix.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, ClassVar, Self, get_type_hints

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
    name: str
    type: type
    last: bool

    def pack(self, value: object) -> str:
        if self.type is bool and isinstance(value, bool):
            return "y" if value else "n"
        if self.type is int and isinstance(value, int) and not isinstance(value, bool):
            if not 0 <= value < _INT_END:
                raise ValueError(f"{self.name}={value}: button numbers are 0 to 12 digits")
            return str(value)
        if issubclass(self.type, StrEnum) and isinstance(value, self.type):
            return value.value
        if self.type is str and isinstance(value, str):
            if ":" in value and not self.last:
                raise ValueError(f"{self.name}={value!r}: only the last field may hold ':'")
            return value
        raise ValueError(f"{self.name}={value!r} is not a {self.type.__name__}")

    def unpack(self, text: str) -> object:
        """The field's value; ValueError if `pack` could not have written `text`."""
        if self.type is bool:
            if text not in {"y", "n"}:
                raise ValueError(text)
            return text == "y"
        if self.type is int:
            if not _INT.fullmatch(text):
                raise ValueError(text)
            return int(text)
        if issubclass(self.type, StrEnum):
            return self.type(text)  # ValueError for a value it does not have
        return text


def _fields_of(cls: type) -> tuple[_Field, ...]:
    # Only the class's own annotations are fields, in the order written (not inherited ones).
    names = list(inspect.get_annotations(cls))
    hints = get_type_hints(cls)
    fields = []
    for i, name in enumerate(names):
        kind = hints[name]
        if isinstance(kind, type) and issubclass(kind, StrEnum):
            bad = [m.value for m in kind.__members__.values() if not m.value or ":" in m.value]
            if bad:
                raise TypeError(f"{cls.__qualname__}.{name}: values {bad} are empty or hold ':'")
        elif kind not in (int, bool, str):
            raise TypeError(
                f"{cls.__qualname__}.{name}: a button field is int, bool, str or a StrEnum"
            )
        fields.append(_Field(name, kind, last=i == len(names) - 1))
    return tuple(fields)


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
        data = ":".join([self.prefix, *(f.pack(getattr(self, f.name)) for f in self._fields)])
        size = len(data.encode("utf-8"))  # a lone surrogate raises here: also a ValueError
        if size > LIMIT:
            raise ValueError(f"{data!r} is {size} bytes; Telegram takes at most {LIMIT}")
        return data

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
            return cls(**{f.name: f.unpack(t) for f, t in zip(cls._fields, texts, strict=True)})
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
