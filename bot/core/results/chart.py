"""A bar chart of one question's answers, as a PNG a phone shows well.

Horizontal bars, so that long Indonesian labels ("Ya, didaftarkan aplikasi/komunitas/pemda")
read in full, wrapped, beside their bar; each bar says its count and percentage. The picture is
taller than wide and its type large, because Telegram shows a photo at the width of the phone.

matplotlib's Figure and its Agg canvas are used directly, never pyplot: pyplot keeps global
state, which threads drawing at once (asyncio.to_thread) must not share.
"""

from __future__ import annotations

import io
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from bot.core.results.tally import Bar, percent

WIDTH_INCHES = 7.2
DPI = 150  # 1,080 pixels wide: a phone's screen, so nothing is scaled down
LABEL_WRAP = 24  # characters a line beside a bar
TITLE_WRAP = 36
NOTE_WRAP = 50
TITLE_SIZE, NOTE_SIZE, LABEL_SIZE = 18, 13, 15  # points
BAR_COLOUR = "#1f6fb2"


@dataclass(frozen=True)
class ChartText:
    """The words on a chart, already in the reader's language."""

    title: str
    note: str  # under the title: how many answered, what the percentages are of


def draw(text: ChartText, bars: Sequence[Bar]) -> bytes:
    """The chart as PNG bytes. Pure CPU work: call it in a thread."""
    labels = ["\n".join(textwrap.wrap(b.label, LABEL_WRAP)) or "-" for b in bars]
    lines = sum(label.count("\n") + 1 for label in labels)
    title = textwrap.wrap(text.title, TITLE_WRAP) or [""]
    note = textwrap.wrap(text.note, NOTE_WRAP)
    # The title and note sit above the bars at the left edge of the picture (not of the bars,
    # whose left is wherever the longest label ends), so they never run off the right side.
    header = (len(title) * TITLE_SIZE + len(note) * NOTE_SIZE) * 1.35 / 72 + 0.35
    height = max(header + 0.42 * lines + 0.35 * len(bars) + 0.6, WIDTH_INCHES)
    # Never wider than tall: a phone held upright shows a square or tall picture largest.
    figure = Figure(figsize=(WIDTH_INCHES, height), dpi=DPI)
    FigureCanvasAgg(figure)
    top = 1 - 0.2 / height
    figure.text(0.03, top, "\n".join(title), fontsize=TITLE_SIZE, fontweight="bold", va="top")
    below = top - len(title) * TITLE_SIZE * 1.35 / 72 / height
    figure.text(0.03, below, "\n".join(note), fontsize=NOTE_SIZE, color="#444444", va="top")
    axes = figure.add_subplot()
    positions = list(range(len(bars)))
    counts = [b.count for b in bars]
    axes.barh(positions, counts, color=BAR_COLOUR, height=0.7)
    axes.set_yticks(positions, labels, fontsize=LABEL_SIZE)
    axes.invert_yaxis()  # the survey's first choice on top
    most = max(counts, default=0) or 1
    # Room to the right of the longest bar for its "123 · 45%".
    axes.set_xlim(0, most * 1.45)
    for y, bar in zip(positions, bars, strict=True):
        axes.text(
            bar.count + most * 0.02,
            y,
            f"{bar.count} · {percent(bar.share)}%",
            va="center",
            fontsize=LABEL_SIZE,
            fontweight="bold",
        )
    axes.xaxis.set_visible(False)
    for side in ("top", "right", "bottom"):
        axes.spines[side].set_visible(False)
    figure.tight_layout(rect=(0, 0, 1, 1 - header / height))
    out = io.BytesIO()
    figure.savefig(out, format="png")
    return out.getvalue()
