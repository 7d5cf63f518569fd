"""The Level-10 chart: the last 8 weeks' aged backlog (bars) and resolve SLA attainment (line)
as a PNG, rendered in the clock process.

matplotlib's Agg backend: no display, no GUI toolkit, deterministic raster output, and the
object API (``Figure`` with its own canvas, no ``pyplot`` state) is safe to call from several
threads. Readable in Slack's dark and light themes: an opaque light card with dark text, so
neither theme's background shows through.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

BACKGROUND = "#f7f7f8"
INK = "#1d1c1d"
AGED = "#e01e5a"
HEALTHY = "#2eb67d"
ATTAINMENT = "#1264a3"


def chart_png(series: Sequence[tuple[str, int, float | None]], *, alert: int, title: str) -> bytes:
    """The chart as PNG bytes (about 20–40 kB)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    weeks = [w.split("-")[-1] for w, _a, _r in series]
    aged = [a for _w, a, _r in series]
    rates = [None if r is None else r * 100 for _w, _a, r in series]
    fig = Figure(figsize=(6.4, 3.2), dpi=100, facecolor=BACKGROUND)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot(1, 1, 1, facecolor=BACKGROUND)
    positions = list(range(len(weeks)))
    ax.bar(positions, aged, color=[AGED if a >= alert else HEALTHY for a in aged], width=0.6)
    ax.axhline(alert - 0.5, color=AGED, linestyle="--", linewidth=1)
    ax.set_ylabel("Aged past SLA", color=INK)
    ax.set_xticks(positions, weeks, color=INK)
    ax.tick_params(colors=INK)
    ax.set_ylim(0, max([*aged, alert]) + 1)
    ax2 = ax.twinx()
    known = [(p, r) for p, r in zip(positions, rates, strict=True) if r is not None]
    if known:
        ax2.plot([p for p, _ in known], [r for _, r in known], color=ATTAINMENT, marker="o")
    ax2.set_ylim(0, 105)
    ax2.set_ylabel("Resolve SLA %", color=ATTAINMENT)
    ax2.tick_params(colors=INK)
    for spine in (*ax.spines.values(), *ax2.spines.values()):
        spine.set_color(INK)
    ax.set_title(title, color=INK, fontsize=11)
    # Fixed margins: tight_layout() would draw the figure once more only to measure it.
    fig.subplots_adjust(left=0.09, right=0.9, top=0.88, bottom=0.12)
    out = io.BytesIO()
    fig.savefig(out, format="png", facecolor=BACKGROUND)
    return out.getvalue()
