"""Charts for the pages: inline SVG (and the tile map as HTML tiles), Plotly only for the group's Trends section;
hover values come with their units."""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Mapping
from html import escape

import plotly.graph_objects as go
import polars as pl

from tracker import texts
from tracker.countries import name as country_name
from tracker.formatting import MISSING
from tracker.ui.geo import TILES
from tracker.ui.i18n import fmt_pp, t, usd_divisor

HEIGHT = 360
MARGIN = {"l": 10, "r": 10, "t": 40, "b": 10}


MONTH = re.compile(r"\d{4}-\d{2}")  # a monthly period, which Plotly reads as a date
# Month ticks in the page's language: Plotly's default ("Jan 2023") is English whatever the page.
PLOT_CONFIG = {"displaylogo": False}  # every st.plotly_chart: no Plotly logo in the toolbar


def _layout(fig: go.Figure, title: str, height: int = HEIGHT) -> go.Figure:
    fig.update_layout(title=title, height=height, margin=MARGIN, hovermode="closest",
                      legend={"orientation": "h", "y": -0.15})
    return fig


# Viridis (the scale the Plotly map used): dark blue-violet = low share, yellow = high share.
VIRIDIS = ("#440154", "#482878", "#3e4989", "#31688e", "#26828e", "#1f9e89", "#35b779", "#6ece58", "#b5de2b",
           "#fde725")
EMPTY_FILL, EMPTY_TEXT = "#eeeeee", "#8a8a8a"
TILE, GAP = 30, 3  # px


def _rgb(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def sequential_colour(fraction: float, scale: tuple[str, ...] = VIRIDIS) -> str:
    """The colour at ``fraction`` (0–1, clipped) along ``scale``, linearly interpolated."""
    position = min(max(fraction, 0.0), 1.0) * (len(scale) - 1)
    low = min(int(position), len(scale) - 2)
    weight = position - low
    mixed = (round(a + (b - a) * weight) for a, b in zip(_rgb(scale[low]), _rgb(scale[low + 1]), strict=True))
    return "#{:02x}{:02x}{:02x}".format(*mixed)


def _text_colour(fill: str) -> str:
    red, green, blue = _rgb(fill)
    return "#111111" if 0.299 * red + 0.587 * green + 0.114 * blue > 150 else "#ffffff"


# The map's look, scoped to its class (st.html keeps a <style> block; each tile then carries only its place,
# colours and hover text).
TILE_MAP_STYLE = f"""<style>
.tile-map .grid {{display: grid; grid-template-columns: repeat(var(--cols), {TILE}px);
  grid-auto-rows: {TILE}px; gap: {GAP}px; overflow-x: auto;}}
.tile-map .grid div {{border-radius: 3px; font: 9px/{TILE}px sans-serif; text-align: center; cursor: default;}}
.tile-map .legend {{display: flex; align-items: center; gap: .4rem; font: 10px sans-serif; color: #555;
  margin-top: .4rem; flex-wrap: wrap;}}
.tile-map .legend .bar {{width: 240px; height: 10px;}}
.tile-map .legend .none {{width: 10px; height: 10px; background: {EMPTY_FILL};}}
</style>"""


def tile_map(frame: pl.DataFrame, value: str, lang: str, title: str, change: str | None = None,
             percent: bool = True) -> str:
    """A tile map as plain HTML: one square per market on the hand-placed grid (tracker/ui/geo.py).

    Colour = ``value`` (a fraction shown in % when ``percent``) on the Viridis scale, with a legend; grid squares
    without data stay light grey. Each square's ``title`` (the browser's hover text) holds the country's name, the
    value with its unit and, from ``change``, the change in percentage points, in ``lang``. No script, no
    external request and no SVG: st.html draws it directly (SVG would have to go through the Markdown renderer,
    which parses every node in JavaScript), without loading a chart library. Markets with data that have no
    place on the grid are listed under the map.
    """
    unit = "%" if percent else ""
    values = {
        r["market"]: (None if r[value] is None else (100 * r[value] if percent else r[value]),
                      r[change] if change else None)
        for r in frame.iter_rows(named=True)
    }
    shown = [v for code, (v, _) in values.items() if code in TILES and v is not None]
    low, high = (min(shown), max(shown)) if shown else (0.0, 0.0)
    span = (high - low) or 1.0
    cols = 1 + max(col for _, col in TILES.values())
    aria = t("map_aria", lang, title=title, low=f"{low:.2f}{unit}", high=f"{high:.2f}{unit}", count=len(shown))
    tiles = []
    for code, (row, col) in TILES.items():
        share, delta = values.get(code, (None, None))
        name = f"{country_name(code, lang)} ({code})"
        if share is None:
            fill, ink = EMPTY_FILL, EMPTY_TEXT
            hover = f"{name}: {t('map_no_data', lang)}"
        else:
            fill = sequential_colour((share - low) / span)
            ink = _text_colour(fill)
            hover = (f"{name}\n{t('map_share', lang)}: {share:.2f}{unit}\n{t('map_change', lang)}: "
                     f"{fmt_pp(delta, lang)}")
        tiles.append(f'<div data-code="{code}" title="{escape(hover).replace(chr(10), "&#10;")}" '
                     f'style="grid-area:{row + 1}/{col + 1};background:{fill};color:{ink}">{code}</div>')
    gradient = ", ".join(VIRIDIS)
    legend = (f'<div class="legend"><span class="none"></span>{escape(t("map_no_data", lang))}'
              f'<span>{escape(t("map_share", lang))} ({unit or "–"}):</span><span>{low:.2f}{unit}</span>'
              f'<span class="bar" style="background:linear-gradient(90deg, {gradient})"></span>'
              f"<span>{high:.2f}{unit}</span></div>")
    parts = [TILE_MAP_STYLE, f'<div class="tile-map" role="img" aria-label="{escape(aria)}">',
             f'<p style="font-weight:600;margin:0 0 0.4rem">{escape(title)}</p>',
             f'<div class="grid" style="--cols:{cols}">{"".join(tiles)}</div>', legend]
    off_grid = sorted(code for code in values if code not in TILES)
    if off_grid:
        note = t("map_off_grid", lang, markets=", ".join(off_grid))
        parts.append(f'<p style="font-size:0.8rem;margin:0.3rem 0 0">{escape(note)}</p>')
    return "".join(parts) + "</div>"


def lines(frame: pl.DataFrame, x: str, y: str, series: str, lang: str, title: str, y_label: str,
          kind: str = "usd", names: dict[str, str] | None = None) -> go.Figure:
    """One line per ``series`` value; ``kind`` = usd (scaled to the language's unit), pct (fraction), raw."""
    fig = go.Figure()
    divisor = usd_divisor(lang)
    for key in sorted(frame[series].unique().to_list()) if series in frame.columns else []:
        part = frame.filter(pl.col(series) == key).sort(x)
        values = part[y]
        if kind == "usd":
            values = values / divisor
        elif kind == "pct":
            values = values * 100
        label = (names or {}).get(key, country_name(key, lang) if len(str(key)) == 3 else str(key))
        fig.add_trace(go.Scatter(
            x=part[x].to_list(), y=values.to_list(), mode="lines+markers", name=label,
            hovertemplate=f"{label}<br>%{{x}}: %{{y:,.2f}} {y_label}<extra></extra>",
        ))
    fig.update_yaxes(title=y_label)
    if x in frame.columns and frame.height and all(MONTH.fullmatch(str(v)) for v in frame[x].unique().to_list()):
        axis = texts.text("common", "month_axis", lang)
        fig.update_xaxes(type="date", tickformat=axis, hoverformat=axis)
    return _layout(fig, title)


# --- Light charts: inline SVG drawn by the page's Markdown renderer (st.markdown), no chart library loaded.
# plotly.js is 4.7 MB of script the browser fetches and compiles on every first view of a page that draws one
# Plotly chart; these charts carry their values in each mark's <title> (the browser's hover text) instead.
PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22",
           "#17becf")
SVG_WIDTH, SVG_HEIGHT = 640, 330
PLOT = {"left": 64, "right": 14, "top": 34, "bottom": 40}  # px around the plot area, before the legend
SVG_FONT = "font-family:sans-serif;font-size:11px"


def _label_x(value: object, lang: str) -> str:
    """An x value as the axis writes it: a "YYYY-MM" month in the page's language, anything else as text."""
    text = str(value)
    if MONTH.fullmatch(text):
        return texts.month(text, lang)
    return text


def _ticks(low: float, high: float, count: int = 5) -> list[float]:
    """``count`` evenly spaced values from ``low`` to ``high`` (both included)."""
    if high == low:
        return [low]
    return [low + (high - low) * i / (count - 1) for i in range(count)]


def _tick_text(value: float) -> str:
    magnitude = abs(value)
    return f"{value:,.0f}" if magnitude >= 100 else f"{value:,.1f}" if magnitude >= 10 else f"{value:,.2f}"


def _svg_open(title: str, height: float, aria: str) -> list[str]:
    return [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {SVG_WIDTH} {height:.0f}" width="100%" '
            f'role="img" aria-label="{escape(aria)}" style="max-width:{SVG_WIDTH * 1.5}px;display:block;{SVG_FONT}">',
            f'<text x="4" y="16" font-size="13" font-weight="600">{escape(title)}</text>']


def _legend(names: list[str], top: float, colours: list[str] | None = None,
            dashed: Collection[str] = ()) -> tuple[list[str], float]:
    """Legend entries laid out in rows under the plot (a dashed series' swatch is a dashed stroke); the parts and
    the height they take. Colours default to the palette in order."""
    parts, x, y = [], float(PLOT["left"]), top
    for index, label in enumerate(names):
        room = 22 + sum(11.0 if ord(c) >= 0x2E80 else 6.5 for c in label) + 12  # CJK glyphs are square
        if x + room > SVG_WIDTH and x > PLOT["left"]:
            x, y = float(PLOT["left"]), y + 16
        colour = colours[index] if colours else PALETTE[index % len(PALETTE)]
        swatch = (f'<line x1="{x:.0f}" x2="{x + 14:.0f}" y1="{y - 4:.0f}" y2="{y - 4:.0f}" stroke="{colour}" '
                  f'stroke-width="2" stroke-dasharray="4 2"/>' if label in dashed else
                  f'<rect x="{x:.0f}" y="{y - 8:.0f}" width="14" height="8" fill="{colour}"/>')
        parts.append(f'{swatch}<text x="{x + 18:.0f}" y="{y:.0f}">{escape(label)}</text>')
        x += room
    return parts, (y - top + 16) if names else 0.0


def _y_axis(low: float, high: float, plot_h: float, y_label: str) -> tuple[list[str], Callable[[float], float]]:
    """Grid lines with tick values, the axis title, and the value → y mapping of the plot area."""
    span = (high - low) or 1.0

    def y_of(value: float) -> float:
        return PLOT["top"] + (1 - (value - low) / span) * plot_h

    parts = []
    for tick in _ticks(low, high):
        y = y_of(tick)
        parts.append(f'<line x1="{PLOT["left"]}" x2="{SVG_WIDTH - PLOT["right"]}" y1="{y:.1f}" y2="{y:.1f}" '
                     f'stroke="#8884" stroke-width="0.6"/><text x="{PLOT["left"] - 5}" y="{y + 3:.1f}" '
                     f'text-anchor="end">{_tick_text(tick)}</text>')
    parts.append(f'<text x="4" y="28" fill="#666">{escape(y_label)}</text>')
    return parts, y_of


def svg_lines(frame: pl.DataFrame, x: str, y: str, series: str, lang: str, title: str, y_label: str,
              kind: str = "usd", names: dict[str, str] | None = None) -> str:
    """The SVG twin of ``lines``: one line per ``series`` value over the sorted ``x`` values, each point's value
    with its unit in its hover text; ``kind`` = usd (scaled to the language's unit), pct (fraction), raw."""
    keys = sorted(frame[series].unique().to_list()) if series in frame.columns and frame.height else []
    xs = sorted(frame[x].unique().to_list()) if keys else []
    scale = {"usd": 1 / usd_divisor(lang), "pct": 100.0}.get(kind, 1.0)
    lines_by_key = {}
    for key in keys:
        part = frame.filter(pl.col(series) == key)
        found = dict(zip(part[x].to_list(), part[y].to_list(), strict=True))
        lines_by_key[key] = [None if found.get(v) is None else found[v] * scale for v in xs]
    values = [v for points in lines_by_key.values() for v in points if v is not None]
    low, high = (min(values), max(values)) if values else (0.0, 1.0)
    pad = (high - low) * 0.05 or abs(high) * 0.05 or 1.0
    low, high = low - pad, high + pad
    labels = [(names or {}).get(k, country_name(k, lang) if len(str(k)) == 3 else str(k)) for k in keys]
    plot_h = SVG_HEIGHT - PLOT["top"] - PLOT["bottom"]
    legend, legend_h = _legend(labels, SVG_HEIGHT - 8)
    height = SVG_HEIGHT + legend_h
    span = f"{_label_x(xs[0], lang)}–{_label_x(xs[-1], lang)}" if xs else ""
    aria = f"{title}: {', '.join(labels)}; {span}"
    parts = _svg_open(title, height, aria)
    axis, y_of = _y_axis(low, high, plot_h, y_label)
    parts += axis
    plot_w = SVG_WIDTH - PLOT["left"] - PLOT["right"]

    def x_of(index: int) -> float:
        return PLOT["left"] + (index + 0.5) * plot_w / max(len(xs), 1)

    step = max(1, -(-len(xs) // 9))  # at most about nine labels on the x axis
    base = SVG_HEIGHT - PLOT["bottom"] + 14
    parts += [f'<text x="{x_of(i):.1f}" y="{base}" text-anchor="middle">{escape(_label_x(v, lang))}</text>'
              for i, v in enumerate(xs) if i % step == 0]
    for index, (label, points) in enumerate(zip(labels, lines_by_key.values(), strict=True)):
        colour = PALETTE[index % len(PALETTE)]
        coords = [(x_of(i), y_of(v), xs[i], v) for i, v in enumerate(points) if v is not None]
        if len(coords) > 1:
            parts.append(f'<polyline points="{" ".join(f"{cx:.1f},{cy:.1f}" for cx, cy, _, _ in coords)}" '
                         f'fill="none" stroke="{colour}" stroke-width="2"/>')
        parts += [f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="3.5" fill="{colour}"><title>'
                  f'{escape(f"{label} · {_label_x(xv, lang)}: {v:,.2f} {y_label}")}</title></circle>'
                  for cx, cy, xv, v in coords]
    parts += legend
    parts.append("</svg>")
    return "".join(parts)


SHADE = "#d62728"  # a shaded x-range (the nowcast's estimated months) and its label
DASH = "6 4"


def svg_band_lines(xs: list[object], lines: Mapping[str, list[float | None]], lang: str, title: str, y_label: str,
                   *, kind: str = "usd", dashed: Collection[str] = (), colours: Mapping[str, str] | None = None,
                   bands: Mapping[str, tuple[list[float | None], list[float | None]]] | None = None,
                   shade: tuple[object, object, str] | None = None) -> str:
    """Lines over the shared, ordered ``xs`` (every list aligned to ``xs``, None where a series has no value),
    with filled bands and a shaded x-range.

    ``lines``: label → values; those in ``dashed`` are drawn dashed with open points. ``bands``: label → (low,
    high), each a filled polygon along the highs and back along the lows, under the lines. ``shade``: (first x,
    last x, label), a tinted range with its label written in it. ``colours``: label → colour (the palette
    otherwise; a band's default is its palette colour, translucent). ``kind`` as in ``svg_lines``. Each point's
    hover text holds its series, x (months in the page's language) and value with its unit; a point an earlier
    series already marks (same x, same value: a dashed continuation's joint) is not marked twice.
    """
    scale = {"usd": 1 / usd_divisor(lang), "pct": 100.0}.get(kind, 1.0)

    def scaled(values: list[float | None]) -> list[float | None]:
        if len(values) != len(xs):
            raise ValueError(f"{title}: a series has {len(values)} values for {len(xs)} x values")
        return [None if v is None else v * scale for v in values]

    shown_lines = {label: scaled(values) for label, values in lines.items()}
    shown_bands = {label: (scaled(low), scaled(high)) for label, (low, high) in (bands or {}).items()}
    every = [v for values in shown_lines.values() for v in values if v is not None]
    every += [v for pair in shown_bands.values() for values in pair for v in values if v is not None]
    low, high = (min(every), max(every)) if every else (0.0, 1.0)
    pad = (high - low) * 0.05 or abs(high) * 0.05 or 1.0
    low, high = low - pad, high + pad
    chosen = colours or {}
    line_colours = {label: chosen.get(label, PALETTE[i % len(PALETTE)]) for i, label in enumerate(shown_lines)}
    band_colours = {label: chosen.get(label, f"{PALETTE[i % len(PALETTE)]}33") for i, label in enumerate(shown_bands)}
    names = [*shown_lines, *shown_bands]
    legend, legend_h = _legend(names, SVG_HEIGHT - 8, [*line_colours.values(), *band_colours.values()], dashed)
    span = f"{_label_x(xs[0], lang)}–{_label_x(xs[-1], lang)}" if xs else ""
    parts = _svg_open(title, SVG_HEIGHT + legend_h, f"{title}: {', '.join(names)}; {span}")
    plot_h = SVG_HEIGHT - PLOT["top"] - PLOT["bottom"]
    axis, y_of = _y_axis(low, high, plot_h, y_label)
    parts += axis
    plot_w = SVG_WIDTH - PLOT["left"] - PLOT["right"]
    slot = plot_w / max(len(xs), 1)

    def x_of(index: int) -> float:
        return PLOT["left"] + (index + 0.5) * slot

    if shade:
        first, last, label = shade
        left, right = x_of(xs.index(first)) - slot / 2, x_of(xs.index(last)) + slot / 2
        at_end = left > PLOT["left"] + plot_w / 2  # label inside the range, against its edge nearer the middle
        parts.append(f'<rect x="{left:.1f}" y="{PLOT["top"]}" width="{right - left:.1f}" height="{plot_h}" '
                     f'fill="{SHADE}" fill-opacity="0.08"/><text x="{(right - 3 if at_end else left + 3):.1f}" '
                     f'y="{PLOT["top"] + 12}" text-anchor="{"end" if at_end else "start"}" fill="{SHADE}">'
                     f"{escape(label)}</text>")
    step = max(1, -(-len(xs) // 9))  # at most about nine labels on the x axis
    base = SVG_HEIGHT - PLOT["bottom"] + 14
    parts += [f'<text x="{x_of(i):.1f}" y="{base}" text-anchor="middle">{escape(_label_x(v, lang))}</text>'
              for i, v in enumerate(xs) if i % step == 0]
    for label, (lows, highs) in shown_bands.items():
        kept = [(i, a, b) for i, (a, b) in enumerate(zip(lows, highs, strict=True)) if a is not None and b is not None]
        outline = [(x_of(i), y_of(b)) for i, _, b in kept] + [(x_of(i), y_of(a)) for i, a, _ in reversed(kept)]
        if kept:
            parts.append(f'<polygon points="{" ".join(f"{px:.1f},{py:.1f}" for px, py in outline)}" '
                         f'fill="{band_colours[label]}" stroke="none"><title>{escape(label)}</title></polygon>')
    marked: set[tuple[int, float]] = set()
    for label, points in shown_lines.items():
        colour, dash = line_colours[label], label in dashed
        coords = [(i, v) for i, v in enumerate(points) if v is not None]
        if len(coords) > 1:
            style = f' stroke-dasharray="{DASH}"' if dash else ""
            parts.append(f'<polyline points="{" ".join(f"{x_of(i):.1f},{y_of(v):.1f}" for i, v in coords)}" '
                         f'fill="none" stroke="{colour}" stroke-width="2"{style}/>')
        fill = f'fill="#ffffff" stroke="{colour}" stroke-width="1.5"' if dash else f'fill="{colour}"'
        parts += [f'<circle cx="{x_of(i):.1f}" cy="{y_of(v):.1f}" r="3.5" {fill}><title>'
                  f'{escape(f"{label} · {_label_x(xs[i], lang)}: {v:,.2f} {y_label}")}</title></circle>'
                  for i, v in coords if (i, v) not in marked]
        marked.update(coords)
    parts += legend
    parts.append("</svg>")
    return "".join(parts)


def svg_grouped_bars(frame: pl.DataFrame, category: str, series: str, value: str, lang: str, title: str,
                     y_label: str, scale: float = 1.0) -> str:
    """The SVG twin of ``grouped_bars``: bars of ``value`` per ``category`` (countries by name), one colour per
    ``series``, in the frame's order; each bar's hover text names it with its value."""
    categories = frame[category].unique(maintain_order=True).to_list() if frame.height else []
    keys = frame[series].unique(maintain_order=True).to_list() if frame.height else []
    cells = {(r[category], r[series]): r[value] for r in frame.iter_rows(named=True)}
    values = [v * scale for v in cells.values() if v is not None]
    low, high = min(0.0, *values) if values else 0.0, max(0.0, *values) if values else 1.0
    high += (high - low) * 0.05 or 1.0
    labels = [country_name(k, lang) if len(str(k)) == 3 else str(k) for k in keys]
    names = [country_name(c, lang) for c in categories]
    plot_h = SVG_HEIGHT - PLOT["top"] - PLOT["bottom"] - 20  # room for slanted category names
    legend, legend_h = _legend(labels, SVG_HEIGHT - 8)
    parts = _svg_open(title, SVG_HEIGHT + legend_h, f"{title}: {', '.join(labels)}")
    axis, y_of = _y_axis(low, high, plot_h, y_label)
    parts += axis
    plot_w = SVG_WIDTH - PLOT["left"] - PLOT["right"]
    slot = plot_w / max(len(categories), 1)
    bar = slot * 0.8 / max(len(keys), 1)
    zero = y_of(0.0)
    for ci, (code, name) in enumerate(zip(categories, names, strict=True)):
        left = PLOT["left"] + ci * slot + slot * 0.1
        for ki, (key, label) in enumerate(zip(keys, labels, strict=True)):
            raw = cells.get((code, key))
            if raw is None:
                continue
            v = raw * scale
            top, bottom = sorted((y_of(v), zero))
            parts.append(f'<rect x="{left + ki * bar:.1f}" y="{top:.1f}" width="{max(bar - 1, 0.5):.1f}" '
                         f'height="{max(bottom - top, 0.5):.1f}" fill="{PALETTE[ki % len(PALETTE)]}"><title>'
                         f'{escape(f"{label} · {name}: {v:,.2f} {y_label}")}</title></rect>')
        cx, cy = left + slot * 0.4, SVG_HEIGHT - PLOT["bottom"] - 10
        parts.append(f'<text x="{cx:.1f}" y="{cy:.1f}" text-anchor="end" transform="rotate(-35 {cx:.1f} {cy:.1f})">'
                     f"{escape(name)}</text>")
    parts += legend
    parts.append("</svg>")
    return "".join(parts)


def svg_hbars(labels: list[str], values: list[float | None], title: str, unit: str, axis: str | None = None) -> str:
    """Horizontal bars, one per label in the order given (negative values extend left of zero), each with its
    value and ``unit`` (the language's unit, as the table's header has it; "" for a score) written at its end and
    in its hover text. ``axis`` names what the bars measure, above them (the table's column header)."""
    row, top, name_w, value_w = 22, 30 if axis is None else 42, 170, 110
    height = top + row * len(labels) + 8
    shown = [v or 0.0 for v in values]
    low, high = min(0.0, *shown) if shown else 0.0, max(0.0, *shown) if shown else 1.0
    span = (high - low) or 1.0
    plot_w = SVG_WIDTH - name_w - value_w

    def x_of(value: float) -> float:
        return name_w + (value - low) / span * plot_w

    parts = _svg_open(title, height, f"{title} ({axis or unit})" if axis or unit else title)
    if axis is not None:
        parts.append(f'<text x="{name_w}" y="{top - 6}" fill="#666">{escape(axis)}</text>')
    zero = x_of(0.0)
    for index, (label, value) in enumerate(zip(labels, values, strict=True)):
        y = top + index * row
        text = MISSING if value is None else f"{value:,.2f} {unit}".rstrip()
        left, right = sorted((zero, x_of(value or 0.0)))
        colour = "#d62728" if (value or 0.0) < 0 else PALETTE[0]
        parts.append(f'<text x="{name_w - 6}" y="{y + 14}" text-anchor="end">{escape(label)}</text>'
                     f'<rect x="{left:.1f}" y="{y + 3}" width="{max(right - left, 0.5):.1f}" height="{row - 6}" '
                     f'fill="{colour}"><title>{escape(f"{label}: {text}")}</title></rect>'
                     f'<text x="{max(right, zero) + 4:.1f}" y="{y + 14}">{escape(text)}</text>')
    parts.append(f'<line x1="{zero:.1f}" x2="{zero:.1f}" y1="{top}" y2="{height - 6}" stroke="#888"/>')
    parts.append("</svg>")
    return "".join(parts)


def svg_scatter(frame: pl.DataFrame, x: str, y: str, label: str, lang: str, title: str, x_label: str,
                y_label: str, highlight: str | None = None) -> str:
    """The SVG twin of ``scatter_positioning``: exporters placed by two measures, labelled by code, the chosen
    one in red; each point's hover text names the country with both values."""
    rows = [r for r in frame.iter_rows(named=True) if r[x] is not None and r[y] is not None]
    xs: list[float] = [r[x] for r in rows] or [0.0]
    ys: list[float] = [r[y] for r in rows] or [0.0]
    x_low, x_high = min(xs), max(xs)
    x_pad = (x_high - x_low) * 0.08 or 1.0
    x_low, x_high = x_low - x_pad, x_high + x_pad
    y_pad = (max(ys) - min(ys)) * 0.08 or 1.0
    plot_h = SVG_HEIGHT - PLOT["top"] - PLOT["bottom"]
    parts = _svg_open(title, SVG_HEIGHT + 10, f"{title}: {x_label} / {y_label}")
    axis, y_of = _y_axis(min(ys) - y_pad, max(ys) + y_pad, plot_h, y_label)
    parts += axis
    plot_w = SVG_WIDTH - PLOT["left"] - PLOT["right"]

    def x_of(value: float) -> float:
        return PLOT["left"] + (value - x_low) / (x_high - x_low) * plot_w

    base = SVG_HEIGHT - PLOT["bottom"] + 14
    parts += [f'<text x="{x_of(tick):.1f}" y="{base}" text-anchor="middle">{_tick_text(tick)}</text>'
              for tick in _ticks(x_low, x_high)]
    parts.append(f'<text x="{PLOT["left"] + plot_w / 2:.0f}" y="{base + 16}" text-anchor="middle" fill="#666">'
                 f"{escape(x_label)}</text>")
    for r in rows:
        code = str(r[label])
        cx, cy = x_of(r[x]), y_of(r[y])
        colour = "#d62728" if code == highlight else PALETTE[0]
        hover = f"{country_name(code, lang)}\n{x_label}: {r[x]:,.2f}\n{y_label}: {r[y]:,.2f}"
        parts.append(f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="7" fill="{colour}" fill-opacity="0.85"><title>'
                     f'{escape(hover)}</title></circle><text x="{cx:.1f}" y="{cy - 10:.1f}" text-anchor="middle">'
                     f"{escape(code)}</text>")
    parts.append("</svg>")
    return "".join(parts)
