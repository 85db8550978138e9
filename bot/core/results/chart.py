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
    title = "\n".join(textwrap.wrap(text.title, TITLE_WRAP))
    height = 1.9 + 0.45 * title.count("\n") + 0.42 * lines + 0.35 * len(bars)
    # Never wider than tall: a phone held upright shows a square or tall picture largest.
    figure = Figure(figsize=(WIDTH_INCHES, max(height, WIDTH_INCHES)), dpi=DPI)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    positions = list(range(len(bars)))
    counts = [b.count for b in bars]
    axes.barh(positions, counts, color=BAR_COLOUR, height=0.7)
    axes.set_yticks(positions, labels, fontsize=15)
    axes.invert_yaxis()  # the survey's first choice on top
    top = max(counts, default=0) or 1
    # Room to the right of the longest bar for its "123 · 45%".
    axes.set_xlim(0, top * 1.45)
    for y, bar in zip(positions, bars, strict=True):
        axes.text(
            bar.count + top * 0.02,
            y,
            f"{bar.count} · {percent(bar.share)}%",
            va="center",
            fontsize=15,
            fontweight="bold",
        )
    axes.xaxis.set_visible(False)
    for side in ("top", "right", "bottom"):
        axes.spines[side].set_visible(False)
    figure.suptitle(title, fontsize=18, fontweight="bold", x=0.02, ha="left")
    axes.set_title(text.note, fontsize=13, loc="left", color="#444444")
    figure.tight_layout()
    out = io.BytesIO()
    figure.savefig(out, format="png")
    return out.getvalue()
