"""Server-side SVG charts (stacked bars), so the monitor needs no JavaScript library."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape

PALETTE = ("#3b6ea8", "#7a4fa0", "#4b8f8c", "#8a8f96", "#a3672a", "#5d7f2f")
# Statuses keep one meaning on every chart: red went wrong, green is done, amber is on its way.
STATUS_COLOURS = {
    **dict.fromkeys(("failed", "rejected", "dead", "overdue", "mdn_failed", "error"), "#b3261e"),
    **dict.fromkeys(("delivered", "acknowledged", "processed", "mdn_received", "ok"), "#2f6f3e"),
    **dict.fromkeys(("acknowledged_with_errors", "duplicate", "warning"), "#c77c02"),
    **dict.fromkeys(("queued", "pending", "sending", "sent", "awaiting_mdn", "accepted", "enveloped"), "#e0b040"),
    **dict.fromkeys(("received", "translated", "available"), "#3b6ea8"),
}


def stacked_bars(
    rows: Sequence[tuple[str, Mapping[str, int]]], *, title: str, width: int = 460, bar_height: int = 18
) -> str:
    """A horizontal stacked bar chart: one bar per label, one colour per series."""
    series = sorted({name for _, counts in rows for name in counts})
    others = iter(PALETTE * (len(series) // len(PALETTE) + 1))
    colour = {name: STATUS_COLOURS.get(name) or next(others) for name in series}
    label_width = 120
    total_max = max((sum(counts.values()) for _, counts in rows), default=0) or 1
    scale = (width - label_width - 40) / total_max
    height = max(len(rows), 1) * (bar_height + 6) + 10
    parts = [
        f'<svg class="chart" role="img" aria-label="{escape(title)}" width="100%" '
        f'viewBox="0 0 {width} {height}" xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>'
    ]
    if not rows:
        parts.append('<text x="4" y="16">no traffic</text>')
    for index, (label, counts) in enumerate(rows):
        y = 5 + index * (bar_height + 6)
        parts.append(f'<text x="0" y="{y + bar_height - 5}">{escape(label[:22])}</text>')
        x = float(label_width)
        for name in series:
            value = counts.get(name, 0)
            if not value:
                continue
            w = value * scale
            parts.append(
                f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{bar_height}" fill="{colour[name]}">'
                f"<title>{escape(label)} {escape(name)}: {value}</title></rect>"
            )
            x += w
        parts.append(f'<text x="{x + 4:.1f}" y="{y + bar_height - 5}">{sum(counts.values())}</text>')
    parts.append("</svg>")
    legend = "".join(
        f'<span><i style="background:{colour[name]}"></i>{escape(name)}</span>' for name in series
    )
    return "".join(parts) + f'<div class="legend">{legend}</div>'
