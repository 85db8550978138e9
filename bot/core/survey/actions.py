"""What a survey button does, in the pure core: the screen draws these, `steps.tap` obeys them.

Each value is the action's code in the button's data (`handlers/buttons.py`). Codes are short
because Telegram allows 64 bytes per button and the argument (a choice or question id, up to
32 characters) needs most of them. Buttons already sit in people's chats: never change a code
or give an old one a new meaning; add a new code instead.
"""

from __future__ import annotations

from enum import StrEnum


class Action(StrEnum):
    # A question's answer; the argument is noted where there is one.
    CHOOSE = "c"  # single choice: the choice id
    TOGGLE = "t"  # multiple choice: tick or untick the choice id
    DONE = "d"  # multiple choice: the ticks are the answer
    YES = "y"
    NO = "n"
    SCALE = "v"  # a point of the scale, in ASCII digits
    PROVINCE = "pv"  # a region question: a province code ("53")
    REGENCY = "rg"  # a region question: a kabupaten/kota code ("53.71")
    PAGE = "pg"  # another page of the region list (or of a long choice list), in ASCII digits
    ACKNOWLEDGE = "ak"  # an acknowledge question's one button
    DEFAULT = "df"  # the question's default, as the answer
    # Choices and questions whose id does not fit a button (imported forms) are named by
    # their place instead: "#3" is the fourth choice of the list, or the fourth line of the
    # review. An id never starts with "#".
    # Moving about.
    BACK = "b"
    SKIP = "s"  # an optional question, left unanswered
    KEEP = "f"  # the answer given before stands: on to the next question
    # The review screen.
    EDIT = "e"  # the question id to change
    SUBMIT = "ok"
    # The /batal confirmation.
    STOP = "xy"
    CARRY_ON = "xn"
