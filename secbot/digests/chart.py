"""Charts for digests: a ``Chart`` as PNG bytes, drawn with matplotlib's Agg canvas.

No pyplot and no global backend switch: each call builds its own ``Figure`` on an Agg canvas, so it
is safe in the service's threads. matplotlib is imported only when a chart is drawn.
"""

from __future__ import annotations

import base64
import io

from secbot.digests.document import Chart

_BAR = "#1f5c99"


def chart_png(chart: Chart) -> bytes:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(7, 0.45 * max(len(chart.labels), 1) + 1.2), dpi=100)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    positions = list(range(len(chart.labels)))
    bars = axes.barh(positions, chart.values, color=_BAR)
    axes.set_yticks(positions, chart.labels)
    axes.invert_yaxis()  # the first stage on top, as the report reads
    axes.bar_label(bars, padding=3)
    axes.set_xlim(0, max([*chart.values, 1]) * 1.15)
    axes.xaxis.set_visible(False)
    for side in ("top", "right", "bottom"):
        axes.spines[side].set_visible(False)
    axes.set_title(chart.title, loc="left", fontsize=11)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()


def chart_data_uri(chart: Chart) -> str:
    return "data:image/png;base64," + base64.b64encode(chart_png(chart)).decode("ascii")
