"""Questions about events in people's own words: "kapan workshop HAKI di Kupang?", "ada pelatihan
pemasaran digital bulan ini?", "info acara di soe", "digital marketing training in Kupang".

Pure: no Telegram, no database. `parse` reads a question into `Criteria` (kinds, places, online,
a time window, topic words); `Matcher.search` scores a list of events against them. Place, time,
kind and online act as filters when given; topic words (stemmed with Sastrawi, compared fuzzily
with rapidfuzz so small typos still find their event) rank what passes.

People write Indonesian with English, slang and typos mixed in, so every word is tried in this
order: a time phrase, a place (names of all 38 provinces and 514 kabupaten/kota, and the names
people use: Jogja, NTT, Soe), a word that never carries meaning here (stop words), a word of the
events vocabulary (kinds, "acara", "daring"), the same vocabulary with a typo, a place with a
typo, and otherwise a topic. Parsing does not look at the events, so the same words always mean
the same criteria (a wish stored today is read the same way when events are published later).

The package, one job a module: `vocabulary` (the word tables), `words` (splitting, stemming,
typos), `places` (region names), `when` (spans and months), `question` (reading a question into
`Criteria`) and `matching` (events against criteria).
"""

from bot.core.events.search.matching import Matcher, admits, clip_words, is_event_question
from bot.core.events.search.question import Criteria, kept_criteria, parse
from bot.core.events.search.when import Window

__all__ = [
    "Criteria",
    "Matcher",
    "Window",
    "admits",
    "clip_words",
    "is_event_question",
    "kept_criteria",
    "parse",
]
