"""Tiny SVG charts for self-contained reports: no script, no external request, same bytes for the same data.

Plotly's static export needs kaleido and a Chrome; a report only needs bars and a line, so they are drawn
here. Coordinates are rounded to one decimal so output is stable across platforms.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from html import escape

FONT = "font-family=\"system-ui,'Noto Sans CJK SC','Microsoft YaHei',sans-serif\" font-size=\"12\""
BAR_COLOUR = "#2f6db5"
NEGATIVE_COLOUR = "#c0392b"
LINE_COLOUR = "#2f6db5"
AXIS_COLOUR = "#888"


FONT_SIZE = 12.0
# Widths in em of the system sans fonts above, rounded up so a label never reaches past its room: CJK and other
# wide characters are square (1 em); Latin letters and digits at most about 0.62 em; spaces and dots narrower.
WIDE_FROM = 0x2E80
NARROW = " .,:;'|!il"


def text_width(text: str, size: float = FONT_SIZE) -> float:
    """An upper estimate of ``text``'s width in px at ``size``: the room a label needs (a viewer clips an SVG
    at its box, so a number's first digits were lost when its unit was two CJK characters long)."""
    ems = sum(1.0 if ord(c) >= WIDE_FROM else 0.35 if c in NARROW else 0.64 for c in text)
    return ems * size


def _n(value: float) -> str:
    return f"{value:.1f}"


def _open(width: float, height: float, title: str) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{_n(width)}" height="{_n(height)}" '
        f'viewBox="0 0 {_n(width)} {_n(height)}" role="img" aria-label="{escape(title)}" {FONT}>',
        f"<title>{escape(title)}</title>",
        f'<text x="2" y="14" font-weight="bold">{escape(title)}</text>',  # 2 px: glyphs overhang their x
    ]


def bar_chart(items: Sequence[tuple[str, float]], title: str, value_label: Callable[[float], str],
              width: float = 640, bar_height: float = 20, reference: float | None = None) -> str:
    """Horizontal bars, one per (label, value); negative values extend left of the zero line.

    ``reference`` draws a dashed vertical line (e.g. 1 for relative unit values).
    """
    top, gap, pad = 26.0, 6.0, 6.0
    height = top + len(items) * (bar_height + gap) + 4
    parts = _open(width, height, title)
    if not items:
        parts.append("</svg>")
        return "".join(parts)
    # Room for the longest name on the left and the longest value on the right, each at least as before.
    label_width = min(max(150.0, max(text_width(label) for label, _ in items) + 2 * pad), width / 3)
    value_width = max(90.0, max(text_width(value_label(value)) for _, value in items) + 2 * pad)
    values = [value for _, value in items] + ([reference] if reference is not None else [])
    low, high = min(0.0, *values), max(0.0, *values)
    span = (high - low) or 1.0
    plot_left, plot_width = label_width, width - label_width - value_width

    def x(value: float) -> float:
        return plot_left + (value - low) / span * plot_width

    zero = x(0.0)
    for index, (label, value) in enumerate(items):
        y = top + index * (bar_height + gap)
        left, right = sorted((zero, x(value)))
        colour = NEGATIVE_COLOUR if value < 0 else BAR_COLOUR
        parts.append(f'<text x="{_n(label_width - pad)}" y="{_n(y + bar_height * 0.7)}" text-anchor="end">'
                     f"{escape(label)}</text>")
        parts.append(f'<rect x="{_n(left)}" y="{_n(y)}" width="{_n(max(right - left, 0.5))}" '
                     f'height="{_n(bar_height)}" fill="{colour}"/>')
        parts.append(f'<text x="{_n(width - value_width + pad)}" y="{_n(y + bar_height * 0.7)}">'
                     f"{escape(value_label(value))}</text>")
    parts.append(f'<line x1="{_n(zero)}" y1="{_n(top - 2)}" x2="{_n(zero)}" y2="{_n(height - 2)}" '
                 f'stroke="{AXIS_COLOUR}"/>')
    if reference is not None:
        ref = x(reference)
        parts.append(f'<line x1="{_n(ref)}" y1="{_n(top - 2)}" x2="{_n(ref)}" y2="{_n(height - 2)}" '
                     f'stroke="#333" stroke-dasharray="4 3"/>')
    parts.append("</svg>")
    return "".join(parts)


def line_chart(points: Sequence[tuple[str, float]], title: str, value_label: Callable[[float], str],
               width: float = 640, height: float = 220) -> str:
    """A line over ordered (label, value) points, with the first and last labels and the min/max values."""
    right, top, bottom = 20.0, 28.0, 26.0
    extremes = [value_label(value) for _, value in points]
    left = max(70.0, max((text_width(text) for text in extremes), default=0.0) + 12.0)  # the axis labels' room
    parts = _open(width, height, title)
    if len(points) < 2:
        if points:
            label, value = points[0]
            parts.append(f'<text x="{_n(left)}" y="{_n(top + 30)}">{escape(label)}: {escape(value_label(value))}'
                         "</text>")
        parts.append("</svg>")
        return "".join(parts)
    values = [value for _, value in points]
    low, high = min(values), max(values)
    span = (high - low) or 1.0
    plot_w, plot_h = width - left - right, height - top - bottom

    def xy(index: int, value: float) -> tuple[float, float]:
        return left + index / (len(points) - 1) * plot_w, top + (1 - (value - low) / span) * plot_h

    path = " ".join(f"{_n(px)},{_n(py)}" for px, py in (xy(i, v) for i, v in enumerate(values)))
    parts.append(f'<line x1="{_n(left)}" y1="{_n(top + plot_h)}" x2="{_n(left + plot_w)}" y2="{_n(top + plot_h)}" '
                 f'stroke="{AXIS_COLOUR}"/>')
    parts.append(f'<polyline points="{path}" fill="none" stroke="{LINE_COLOUR}" stroke-width="2"/>')
    for index, value in enumerate(values):
        px, py = xy(index, value)
        parts.append(f'<circle cx="{_n(px)}" cy="{_n(py)}" r="2.5" fill="{LINE_COLOUR}"/>')
    parts.append(f'<text x="{_n(left - 6)}" y="{_n(top + 4)}" text-anchor="end">{escape(value_label(high))}</text>')
    parts.append(f'<text x="{_n(left - 6)}" y="{_n(top + plot_h)}" text-anchor="end">'
                 f"{escape(value_label(low))}</text>")
    parts.append(f'<text x="{_n(left)}" y="{_n(height - 6)}">{escape(points[0][0])}</text>')
    parts.append(f'<text x="{_n(left + plot_w)}" y="{_n(height - 6)}" text-anchor="end">{escape(points[-1][0])}'
                 "</text>")
    parts.append("</svg>")
    return "".join(parts)
