"""Summary tables as plain HTML: formatted for the page's language, sortable by a chosen column, with links and
sparklines.

The overview and the product-group page show their main table this way instead of the interactive data grid:
the grid's script is the largest single cost of a page load (see docs/performance.md, "Dashboard"), while an
HTML table of a few dozen rows renders at once. The grid stays on the pages analysts use to dig (Data &
downloads, competitors, e-commerce), and every table can still be downloaded whole.

Everything here is pure (frames and strings in, strings out), so it is tested without Streamlit.
"""

from __future__ import annotations

import base64
import html
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, cast

import polars as pl

from tracker.formatting import MISSING, fmt_number, is_missing

Kind = Literal["text", "number", "signed", "link", "sparkline", "prose", "code"]
TEXT_KINDS = ("text", "link", "sparkline", "prose", "code")  # left-aligned, wrapped
CODE_SPAN = re.compile(r"`([^`]+)`")
TABLE_CLASS = "tracker-table"
# Scoped to the table's class; inherits the theme's colours so it reads in light and dark mode alike. No fixed
# height: every row of the block on show is on the page (longer tables are paged visibly, see components.py);
# headers and names wrap so all columns fit a laptop screen (horizontal scroll is only a last resort), but not
# to one Chinese character a line beside a long column (a name of four characters keeps its line).
STYLE = f"""<style>
.{TABLE_CLASS}-wrap {{overflow-x: auto; margin-bottom: .5rem;
  border: 1px solid rgba(128,128,128,.25); border-radius: .5rem;}}
.{TABLE_CLASS} {{border-collapse: collapse; width: 100%; font-size: .8125rem; margin: 0;}}
.{TABLE_CLASS} th {{background: var(--background-color, #fff); vertical-align: bottom;
  text-align: right; font-weight: 600; padding: .3rem .4rem; border-bottom: 1px solid rgba(128,128,128,.4);}}
.{TABLE_CLASS} td {{text-align: right; padding: .2rem .4rem; border-bottom: 1px solid rgba(128,128,128,.15);
  white-space: nowrap; font-variant-numeric: tabular-nums;}}
.{TABLE_CLASS} th.t, .{TABLE_CLASS} td.t {{text-align: left;}}
.{TABLE_CLASS} td.t {{white-space: normal; min-width: 5em;}}
.{TABLE_CLASS} th {{min-width: 3em;}}
.{TABLE_CLASS} td code {{font-size: .75rem; overflow-wrap: anywhere;}}
.{TABLE_CLASS} td.up {{color: #1a7f37;}}
.{TABLE_CLASS} td.down {{color: #cf222e;}}
.{TABLE_CLASS} th.sorted {{text-decoration: underline;}}
</style>"""


@dataclass(frozen=True)
class Column:
    """One column of an HTML table: which frame column, its header, and how its values are written.

    ``number`` and ``signed`` use ``decimals`` (``signed`` adds a + and colours gains green and losses red);
    ``link`` takes its address from ``href`` (a column holding URLs) and shows the ``name`` column's text;
    ``sparkline`` draws a list column as a small line with its values in the hover text; ``prose`` is text whose
    `backticked` spans (config keys, commands) are shown as code; ``code`` shows the whole value as code, for
    text kept verbatim (an error message as the server wrote it).
    """

    name: str
    label: str
    kind: Kind = "number"
    decimals: int = 2
    href: str | None = None
    help: str | None = None

    @property
    def sortable(self) -> bool:
        return self.kind in ("text", "number", "signed", "link")


def sparkline(values: Sequence[float | None], labels: Sequence[object] = (), width: int = 90,
              height: int = 22) -> str:
    """A small line through ``values`` (nulls skipped) as an ``<img>`` of inline SVG; its hover text (``title``)
    lists label: value pairs.

    An image rather than inline SVG because ``st.html``, which renders these tables, strips inline SVG.
    """
    points = [(i, float(v)) for i, v in enumerate(values) if v is not None and not is_missing(v)]
    if len(points) < 2:
        return MISSING
    low, high = min(v for _, v in points), max(v for _, v in points)
    span, last = (high - low) or 1.0, len(values) - 1 or 1
    pad = 2
    coords = " ".join(
        f"{pad + (width - 2 * pad) * i / last:.1f},{height - pad - (height - 2 * pad) * (v - low) / span:.1f}"
        for i, v in points
    )
    svg = (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}"><polyline points="{coords}" fill="none" stroke="#1f77b4" '
           f'stroke-width="1.5"/></svg>')
    names = list(labels) if len(labels) == len(values) else list(range(len(values)))
    hover = "&#10;".join(html.escape(f"{names[i]}: {v:,.1f}") for i, v in points)  # one line of HTML
    source = base64.b64encode(svg.encode("ascii")).decode("ascii")
    return (f'<img src="data:image/svg+xml;base64,{source}" width="{width}" height="{height}" title="{hover}" '
            f'alt="{hover}">')


def sort_frame(frame: pl.DataFrame, column: str, descending: bool) -> pl.DataFrame:
    """Rows ordered by ``column`` with missing values last whichever the direction."""
    if column not in frame.columns:
        return frame
    return frame.sort(column, descending=descending, nulls_last=True, maintain_order=True)


def _cell(row: dict[str, object], column: Column, spark_labels: Sequence[object]) -> str:
    value = row.get(column.name)
    if column.kind in ("text", "prose", "code"):
        if is_missing(value):
            return f'<td class="t">{MISSING}</td>'
        text = html.escape(str(value))
        if column.kind == "prose":
            text = CODE_SPAN.sub(r"<code>\1</code>", text)
        return f'<td class="t">{f"<code>{text}</code>" if column.kind == "code" else text}</td>'
    if column.kind == "link":
        text = html.escape(str(value)) if not is_missing(value) else MISSING
        target = row.get(column.href or "")
        if is_missing(target):
            return f'<td class="t">{text}</td>'
        return f'<td class="t"><a href="{html.escape(str(target), quote=True)}">{text}</a></td>'
    if column.kind == "sparkline":
        return f'<td class="t">{sparkline(list(value or []), spark_labels)}</td>'  # type: ignore[call-overload]
    number = cast("float | None", value)  # the remaining kinds are number columns
    signed = column.kind == "signed"
    direction = ""
    if signed and number is not None and not is_missing(number) and number != 0:
        direction = ' class="up"' if number > 0 else ' class="down"'
    return f"<td{direction}>{fmt_number(number, column.decimals, signed)}</td>"


def _header(column: Column, sorted_by: str | None) -> str:
    classes = " ".join(c for c in ("t" if column.kind in TEXT_KINDS else "",
                                   "sorted" if column.name == sorted_by else "") if c)
    title = f' title="{html.escape(column.help, quote=True)}"' if column.help else ""
    return f'<th class="{classes}"{title}>{html.escape(column.label)}</th>'


def html_table(frame: pl.DataFrame, columns: Sequence[Column], *, sorted_by: str | None = None,
               row_key: str | None = None, spark_labels: Sequence[object] = ()) -> str:
    """The rows of ``frame`` as an HTML table (with its scoped style), columns in the order given.

    ``row_key`` names a column written into each row's ``data-key`` (tests and scripts read rows by it);
    ``sorted_by`` underlines that column's header. Text is HTML-escaped; links open in the same tab.
    """
    present = [c for c in columns if c.name in frame.columns]
    head = "".join(_header(c, sorted_by) for c in present)
    rows = []
    for row in frame.iter_rows(named=True):
        key = f' data-key="{html.escape(str(row[row_key]), quote=True)}"' if row_key else ""
        rows.append(f"<tr{key}>" + "".join(_cell(row, c, spark_labels) for c in present) + "</tr>")
    return (f'{STYLE}<div class="{TABLE_CLASS}-wrap"><table class="{TABLE_CLASS}">'
            f"<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table></div>")
