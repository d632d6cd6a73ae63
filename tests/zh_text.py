"""Find English left on a Chinese page: every text a page shows, gathered from an AppTest run (element values,
table headers and cells, chart titles, axes and legends) or from the browser's visible text nodes, then checked
word by word against an allow-list.

Allowed: words in capitals (ISO codes such as USA, units and acronyms such as USD, HS, RCA, HHI, CIF, FOB,
UTC, KB), numbers and HS codes, inline code (`python -m tracker metrics`: commands are typed as shown; in HTML,
a ``<code>`` element, which the browser check skips too: an error message kept as the server wrote it), and
the few brand and proper names below.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterable

ALLOWED = {
    "comtrade", "comext", "eurostat", "excel", "parquet", "markdown", "html", "finger", "kreinin", "kg", "min",
    "language",  # the language switch reads "Language / 语言" on purpose: found in either language
    "english",  # the language switch offers "English"
    "denton", "statsmodels",  # the nowcast's benchmarking method and the forecasting library, by name
}
WORD = re.compile(r"[A-Za-z][A-Za-z']*")
CODE_SPAN = re.compile(r"`[^`]*`")
TAG = re.compile(r"<[^>]+>")
STYLE = re.compile(r"<style>.*?</style>", re.S)
CODE_ELEMENT = re.compile(r"<code\b[^>]*>.*?</code>", re.S)


def english_words(texts: Iterable[str]) -> dict[str, str]:
    """{word: a text it came from} for every English word outside the allow-list."""
    found: dict[str, str] = {}
    for text in texts:
        plain = CODE_SPAN.sub(" ", text)
        for word in WORD.findall(plain.replace("_", " ")):
            if len(word) < 2 or word.isupper() or word.lower() in ALLOWED:
                continue
            found.setdefault(word, text[:160])
    return found


def _figure_texts(spec: str) -> list[str]:
    figure = json.loads(spec)
    layout = figure.get("layout", {})
    texts = []

    def title(node: object) -> None:
        if isinstance(node, dict):
            node = node.get("text")
        if isinstance(node, str):
            texts.append(node)

    title(layout.get("title"))
    for key, axis in layout.items():
        if key.startswith(("xaxis", "yaxis")) and isinstance(axis, dict):
            title(axis.get("title"))
    for trace in figure.get("data", []):
        title(trace.get("name"))
        for key in ("x", "y", "text", "hovertext"):
            values = trace.get(key)
            if isinstance(values, list):
                texts += [v for v in values if isinstance(v, str)]
        template = trace.get("hovertemplate")
        if isinstance(template, str):
            texts.append(re.sub(r"%\{[^}]*\}|<[^>]+>", " ", template))
    return texts


def app_texts(app, *, grids: bool = True) -> list[str]:
    """Every text an AppTest run shows (main area and sidebar); ``grids=False`` leaves out the data grids (the
    Data & downloads previews show the file's own column names and values, as downloaded)."""
    texts: list[str] = []
    for kind in ("title", "header", "subheader", "caption", "markdown", "info", "warning", "error", "success",
                 "text", "code", "latex", "html"):
        for element in app.get(kind):
            markup = str(element.value)
            texts.append(html.unescape(TAG.sub(" ", CODE_ELEMENT.sub(" ", STYLE.sub(" ", markup)))))
            texts += [html.unescape(v) for v in re.findall(r'(?:title|aria-label|alt)="([^"]*)"', markup)]
    for kind in ("selectbox", "multiselect", "radio", "number_input", "text_input", "checkbox", "toggle"):
        for widget in app.get(kind):
            texts.append(widget.label or "")
            texts += [str(o) for o in getattr(widget, "options", [])]
            texts.append(getattr(widget, "help", None) or "")
            texts.append(getattr(widget.proto, "placeholder", "") or "")
    for kind in ("button", "download_button", "expander", "tab", "popover"):
        texts += [getattr(e, "label", "") or "" for e in app.get(kind)]
    for element in [*app.get("dataframe"), *app.get("table")] if grids else []:
        frame = element.value
        columns = getattr(element.proto, "columns", "")
        labels = json.loads(columns) if columns else {}
        for column in frame.columns:
            label = (labels.get(str(column)) or {}).get("label")
            texts.append(label or str(column))
        for column in frame.columns:
            if frame[column].dtype == object:
                texts += [v for v in frame[column].dropna().unique().tolist() if isinstance(v, str)]
    for chart in app.get("plotly_chart"):
        texts += _figure_texts(chart.proto.spec)
    return texts


# The browser's visible text nodes: the page's own text, chart SVG text included; left out are what is not
# read as text (material icon ligatures such as "warning", inline code, scripts and styles) and Streamlit's
# 1-pixel "Skip to main content" link for keyboard users.
VISIBLE_TEXT_JS = """() => {
  const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const skip = 'script,style,noscript,code,[data-testid="stAlertDynamicIcon"],[data-testid="stIconMaterial"],'
    + '[data-testid="stSkipToContent"]';
  let node;
  while ((node = walker.nextNode())) {
    const text = node.textContent.trim();
    const element = node.parentElement;
    if (!text || !element || element.closest(skip)) continue;
    const box = element.getBoundingClientRect();
    if (box.width <= 1 || box.height <= 1) continue;
    if (!element.closest('svg') && !element.checkVisibility({checkOpacity: true, checkVisibilityCSS: true})) continue;
    out.push(text);
  }
  return out;
}"""
