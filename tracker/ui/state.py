"""Shared page state kept in the URL query parameters, so a view survives a reload and can be shared.

Parameters: ``lang``, ``group``, ``exporter``, ``market``, ``markets`` (comma list), ``competitors`` (comma
list), ``years`` (``2019-2024``), ``flow`` (import/export), ``basis`` (all/reported/mirror), ``section`` (the
part of the product-group page on show) and ``sort`` (``column:desc``, the order of a page's main table).

The filters are selectboxes (plus a multiselect where several countries are chosen): every widget type costs
the browser one more script to load and run on each page load, so the pages share as few types as they can
(docs/performance.md, "Dashboard"). Streamlit
clears the query string when the user switches page in the sidebar, so the last values are also remembered in
the session and written back (``restore_url``): the address bar always shows the whole view.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import streamlit as st

from tracker.countries import name as country_name
from tracker.ui.i18n import LANGUAGES, t
from tracker.years import year_parts, year_span

PARAMS = ("lang", "group", "exporter", "market", "markets", "competitors", "years", "flow", "basis", "freq", "section",
          "sort")
_MEMORY = "_url_memory"


@dataclass(frozen=True)
class Years:
    """An inclusive year range; ``last`` is the year the snapshot views show."""

    first: int
    last: int

    @property
    def label(self) -> str:
        return str(self.last) if self.first == self.last else f"{self.first}–{self.last}"

    @property
    def as_tuple(self) -> tuple[int, ...]:
        return tuple(range(self.first, self.last + 1))


def _remember(key: str, value: str | None) -> None:
    memory = st.session_state.setdefault(_MEMORY, {})
    if value:
        memory[key] = value
    else:
        memory.pop(key, None)


def get_param(key: str) -> str | None:
    value = st.query_params.get(key)
    return value or None


def set_param(key: str, value: str | None) -> None:
    """Write one parameter to the URL (or remove it) and remember it for the next page."""
    if value:
        if st.query_params.get(key) != value:
            st.query_params[key] = value
    elif key in st.query_params:
        del st.query_params[key]
    _remember(key, value)


def restore_url() -> None:
    """Put remembered parameters back after a sidebar page switch cleared them; remember fresh ones."""
    memory = st.session_state.setdefault(_MEMORY, {})
    for key in PARAMS:
        current = st.query_params.get(key)
        if current:
            memory[key] = current
        elif key in memory:
            st.query_params[key] = memory[key]


def current_language() -> str:
    lang = st.query_params.get("lang", "en")
    return lang if lang in LANGUAGES else "en"


def language_switch() -> str:
    """A sidebar language selector bound to `?lang=`."""
    lang = current_language()
    choice = st.sidebar.selectbox(
        "Language / 语言", list(LANGUAGES), index=list(LANGUAGES).index(lang),
        format_func=LANGUAGES.__getitem__, key="lang_switch",
    )
    if choice != lang:
        set_param("lang", choice)
    return choice


def _select(label: str, options: Sequence[str], param: str, default: str, fmt: Callable[[str], str],
            key: str) -> str:
    """A sidebar selectbox whose value lives in ``?param=``."""
    options = list(options)
    if not options:
        return default
    wanted = get_param(param) or default
    index = options.index(wanted) if wanted in options else (options.index(default) if default in options else 0)
    if key in st.session_state and st.session_state[key] not in options:
        del st.session_state[key]
    choice = st.sidebar.selectbox(label, options, index=index, format_func=fmt, key=key)
    set_param(param, choice)
    return choice


def select_group(lang: str, groups: Sequence[tuple[str, str]]) -> str:
    """Product group selector; ``groups`` are (id, display name) pairs."""
    names = dict(groups)
    return _select(t("group", lang), list(names), "group", "toys", names.__getitem__, "f_group")


def select_country(lang: str, options: Sequence[str], param: str, default: str, label_key: str) -> str:
    return _select(t(label_key, lang), options, param, default, lambda c: f"{country_name(c, lang)} ({c})",
                   f"f_{param}")


def select_countries(lang: str, options: Sequence[str], param: str, default: Sequence[str], label_key: str,
                     help_key: str | None = None) -> tuple[str, ...]:
    """A sidebar multiselect bound to a comma list in ``?param=``."""
    raw = get_param(param)
    asked = raw.split(",") if raw else default
    wanted = list(dict.fromkeys(c for c in asked if c in options))  # each once, known ones only
    key = f"f_{param}"
    if key in st.session_state and any(c not in options for c in st.session_state[key]):
        del st.session_state[key]
    chosen = st.sidebar.multiselect(
        t(label_key, lang), list(options), default=wanted, key=key,
        format_func=lambda c: f"{country_name(c, lang)} ({c})",
        help=t(help_key, lang) if help_key else None, placeholder=t("choose", lang),
    )
    set_param(param, ",".join(chosen) if chosen and list(chosen) != list(default) else None)
    return tuple(chosen)


def parse_years(raw: str | None, available: Sequence[int]) -> tuple[Years, str | None]:
    """The range ``?years=`` asks for, within the data's years, and a note when the request was changed.

    One year or range in tracker.years' grammar, after NFKC (an address typed with a Chinese input method may
    hold full-width digits). ``2024-2019`` is read as 2019–2024; a range reaching past the data is clamped to it;
    a range wholly outside it, or other text, falls back to the last six years. The note is a label key.
    """
    low, high = min(available), max(available)
    default = Years(max(low, high - 5), high)
    if not raw:
        return default, None
    parts = year_parts(unicodedata.normalize("NFKC", raw))
    span = year_span(parts[0]) if len(parts) == 1 else None
    if span is None:
        return default, "years_malformed"
    first, last = sorted(span)
    if last < low or first > high:
        return default, "years_outside"
    clamped = Years(max(low, first), min(high, last))
    return clamped, ("years_clamped" if (clamped.first, clamped.last) != (first, last) else None)


def select_years(lang: str, available: Sequence[int]) -> Years:
    """First and last year, side by side, bound to ``?years=first-last`` (default: the last six years available).

    Two selectboxes rather than a range slider, so the sidebar needs no widget type of its own for years. A
    request outside the data (``?years=2026-2030``) or malformed is changed, and a note in the sidebar says so.
    """
    if not available:
        return Years(0, 0)
    low, high = min(available), max(available)
    raw = get_param("years")
    wanted, note = parse_years(raw, available)
    if note:
        st.sidebar.caption(t(note, lang, asked=raw, low=low, high=high, shown=wanted.label))
    if low == high:
        return Years(low, high)
    options = list(range(low, high + 1))
    chosen: list[int] = []
    for column, key, label, value in zip(st.sidebar.columns(2), ("f_year_from", "f_year_to"),
                                         (t("year_from", lang), t("year_to", lang)), (wanted.first, wanted.last),
                                         strict=True):
        if key in st.session_state and st.session_state[key] not in options:
            del st.session_state[key]
        chosen.append(column.selectbox(label, options, index=options.index(value), key=key))
    years = Years(min(chosen), max(chosen))
    set_param("years", f"{years.first}-{years.last}")
    return years


def select_choice(lang: str, param: str, choices: Sequence[str], label_key: str, label_prefix: str) -> str:
    """A selectbox for a fixed set of choices (flow, basis), bound to ``?param=``."""
    wanted = get_param(param) or choices[0]
    index = list(choices).index(wanted) if wanted in choices else 0
    choice = st.sidebar.selectbox(t(label_key, lang), list(choices), index=index, key=f"f_{param}",
                                  format_func=lambda c: t(f"{label_prefix}{c}", lang))
    set_param(param, choice if choice != choices[0] else None)
    return choice


def select_section(lang: str, sections: Sequence[str]) -> str:
    """A select box choosing which part of a page is drawn, bound to ``?section=`` (only that part renders).

    A select box rather than radio buttons: the filters already loaded its script, so the page loads one
    element type fewer."""
    wanted = get_param("section")
    default = wanted if wanted is not None and wanted in sections else sections[0]
    slot, _ = st.columns([1, 3])
    choice = slot.selectbox(t("section", lang), list(sections), index=list(sections).index(default),
                            format_func=lambda s: t(f"section_{s}", lang), key="f_section")
    set_param("section", choice if choice != sections[0] else None)
    return choice


def select_sort(lang: str, labels: dict[str, str], default: tuple[str, bool], key: str) -> tuple[str, bool]:
    """A "sort by" selectbox over ``labels`` ({column: header}), each column in both directions, bound to
    ``?sort=column:desc`` (or ``:asc``). Returns (column, descending)."""
    options = [f"{column}:{way}" for column in labels for way in ("desc", "asc")]
    fallback = f"{default[0]}:{'desc' if default[1] else 'asc'}"
    if fallback not in options:
        fallback = options[0]
    wanted = get_param("sort")
    current = wanted if wanted in options else fallback
    if key in st.session_state and st.session_state[key] not in options:
        del st.session_state[key]
    arrows = {"desc": "↓", "asc": "↑"}
    choice = st.selectbox(
        t("sort_by", lang), options, index=options.index(current), key=key,
        format_func=lambda o: f"{labels[o.rsplit(':', 1)[0]]} {arrows[o.rsplit(':', 1)[1]]}",
    )
    set_param("sort", choice if choice != fallback else None)
    column, way = choice.rsplit(":", 1)
    return column, way == "desc"
