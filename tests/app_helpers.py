"""Helpers for app tests: open a page of the app in Streamlit's AppTest, and read the HTML tables the app
writes (tracker.ui.tables) back into rows with the standard library parser."""

from __future__ import annotations

from html.parser import HTMLParser

from streamlit.testing.v1 import AppTest

from tracker.config import REPO_ROOT


def open_page(page: str, lang: str = "en", **params: str) -> AppTest:
    """Run app.py with ?lang=<lang> and these query parameters, then switch to tracker/ui/pages/<page>.py.

    Asserts that neither run raised; returns the AppTest after the page's run."""
    app = AppTest.from_file(str(REPO_ROOT / "app.py"), default_timeout=120)
    app.query_params["lang"] = lang
    for key, value in params.items():
        app.query_params[key] = value
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    app.switch_page(f"tracker/ui/pages/{page}.py").run()
    assert not app.exception, [e.value for e in app.exception]
    return app


class _TableReader(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.headers: list[str] = []
        self.rows: list[tuple[str | None, list[str], list[str | None]]] = []  # (data-key, cell texts, links)
        self._cell: list[str] | None = None
        self._in_head = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "thead":
            self._in_head = True
        elif tag == "tr" and not self._in_head:
            self.rows.append((attributes.get("data-key"), [], []))
        elif tag in ("th", "td"):
            self._cell = []
            if tag == "td":
                self.rows[-1][2].append(None)
        elif tag == "a" and self.rows and not self._in_head:
            self.rows[-1][2][-1] = attributes.get("href")
        elif tag == "img" and self._cell is not None:
            self._cell.append(attributes.get("title") or "")  # a sparkline: its hover text

    def handle_endtag(self, tag: str) -> None:
        if tag == "thead":
            self._in_head = False
        elif tag in ("th", "td") and self._cell is not None:
            text = "".join(self._cell).strip()
            (self.headers if tag == "th" else self.rows[-1][1]).append(text)
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def read_table(markup: str) -> tuple[list[str], list[dict[str, str]], dict[str, str | None]]:
    """(headers, one {header: text} per row with "_key" the row's data-key, {data-key: first link}).

    A sparkline cell reads as its hover text.."""
    reader = _TableReader()
    reader.feed(markup)
    rows = [{"_key": key or "", **dict(zip(reader.headers, cells, strict=True))} for key, cells, _ in reader.rows]
    links = {key or "": next((link for link in hrefs if link), None) for key, _, hrefs in reader.rows}
    return reader.headers, rows, links


def app_markup(app) -> str:
    """The markup of the first HTML table a page rendered with st.html (an AppTest after its run)."""
    return next(h.value for h in app.get("html") if "tracker-table" in h.value)


def app_table_with(app, header: str) -> tuple[list[str], list[dict[str, str]], dict[str, str | None]]:
    """The first HTML table a page rendered whose headers include ``header``."""
    tables = (read_table(h.value) for h in app.get("html") if "tracker-table" in h.value)
    return next(table for table in tables if header in table[0])


def app_table(app) -> tuple[list[str], list[dict[str, str]], dict[str, str | None]]:
    """The first HTML table a page rendered, read back into rows."""
    return read_table(app_markup(app))
