"""The dashboard under hostile input: any query string, a damaged store, Markdown in config text.

Every case here crashed a page or made it fetch from another host before (issues #10 point 8, #11 points 6 and
10); each asserts what the user sees instead.
"""

from __future__ import annotations

import html
import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tracker.config import REPO_ROOT
from tracker.store import Store
from tracker.ui.state import PARAMS, Years, parse_years

from .app_helpers import open_page

PAGES = ("overview", "group", "market", "competitors", "ecommerce", "opportunities", "downloads", "reports", "status")
# Out-of-range, reversed and malformed years; text that is no id at all; markup; huge numbers; empty lists.
HOSTILE = ("2026-2030", "2005-2010", "2024-2019", "20x5", "9" * 40 + "-1", "<b>x</b>![i](http://127.0.0.2/i.png)",
           ",,USA,zzz,USA", "toys:desc")
YEARS = tuple(range(2015, 2026))


def run_page(page: str, params: dict[str, str]) -> AppTest:
    """app.py with exactly these query parameters, then the page; both runs returned (no assertion here)."""
    app = AppTest.from_file(str(REPO_ROOT / "app.py"), default_timeout=120)
    for key, value in params.items():
        app.query_params[key] = value
    app.run()
    if not app.exception:
        app.switch_page(f"tracker/ui/pages/{page}.py").run()
    return app


@pytest.mark.parametrize(("raw", "expected", "note"), [
    (None, Years(2020, 2025), None),
    ("2019-2024", Years(2019, 2024), None),
    ("2024-2019", Years(2019, 2024), None),  # reversed: read as the range
    ("2021", Years(2021, 2021), None),
    ("2021–2023", Years(2021, 2023), None),  # an en dash, as the page's labels write ranges
    ("2026-2030", Years(2020, 2025), "years_outside"),  # wholly after the data: the default, with a note
    ("2005-2010", Years(2020, 2025), "years_outside"),
    ("2010-2030", Years(2015, 2025), "years_clamped"),  # reaches past both ends: clamped, with a note
    ("2023-2030", Years(2023, 2025), "years_clamped"),
    ("20x5", Years(2020, 2025), "years_malformed"),
    ("2020-2021-2022", Years(2020, 2025), "years_malformed"),
    ("99999-1", Years(2020, 2025), "years_malformed"),
    ("２０２１－２０２３", Years(2021, 2023), None),  # full-width, as a Chinese input method types it
    (" 2022 , ", Years(2022, 2022), None),
    ("2020,2022", Years(2020, 2025), "years_malformed"),  # a list is the CLI's; the address holds one range
])
def test_parse_years_clamps_reorders_or_drops_with_a_note(raw: str | None, expected: Years, note: str | None) -> None:
    assert parse_years(raw, YEARS) == (expected, note)



@pytest.mark.parametrize("raw", ["2021", "2019-2024", "2019 – 2024", " 2022-2025 "])
def test_parse_years_the_address_and_the_cli_read_one_grammar(raw: str) -> None:
    """Within the data, ``?years=`` and ``--years`` mean the same years (tracker/years.py)."""
    from tracker.commands.arguments import parse_years as cli_years

    shown, note = parse_years(raw, YEARS)
    assert note is None and shown.as_tuple == cli_years(raw)

@pytest.mark.parametrize("lang", ["en", "zh"])
def test_app_pages_years_outside_the_data_show_the_default_with_a_note(app_store: Path, lang: str) -> None:
    app = run_page("group", {"lang": lang, "group": "toys", "years": "2026-2030"})
    assert not app.exception
    assert (app.selectbox(key="f_year_from").value, app.selectbox(key="f_year_to").value) == (2020, 2025)
    assert app.query_params["years"] in (["2020-2025"], "2020-2025"), "the address bar shows what is on screen"
    first = AppTest.from_file(str(REPO_ROOT / "app.py"), default_timeout=120)
    first.query_params["lang"], first.query_params["years"] = lang, "2026-2030"
    first.run()  # the page the address opens says why it shows other years than asked
    notes = [c.value for c in first.sidebar.caption]
    expected = "2026-2030" if lang == "en" else "超出数据范围"
    assert any(expected in n and "2020–2025" in n for n in notes), notes


@pytest.mark.parametrize("page", PAGES)
def test_app_pages_fuzzed_query_parameters_never_raise(app_store: Path, page: str) -> None:
    """Every query parameter of every page gets every hostile value once (rotated so each run mixes them)."""
    for run in range(len(HOSTILE)):
        params = {key: HOSTILE[(run + i) % len(HOSTILE)] for i, key in enumerate(PARAMS)}
        app = run_page(page, params)
        assert not app.exception, (page, params, [e.message for e in app.exception])
        assert not app.error, (page, params, [e.value for e in app.error])
        assert app.title, (page, params)


def test_app_pages_group_notes_are_plain_text(app_store: Path, config_dir: Path) -> None:
    """Markup in a group's notes (config text) is shown as typed: escaped HTML, never Markdown (which fetched an
    image and made links of URLs). The browser test checks that nothing is fetched."""
    import streamlit as st

    toml = config_dir / "product_groups.toml"
    planted = "![x](http://127.0.0.2/pixel.png) **bold** <img src=http://127.0.0.2/i.png> $x$"
    text = toml.read_text(encoding="utf-8").replace('notes = "HS chapter 64."', f"notes = '{planted}'")
    toml.write_text(text, encoding="utf-8")
    st.cache_resource.clear()  # data.config() is cached across AppTest runs
    try:
        app = open_page("group", "en", group="footwear")
        assert not [c.value for c in [*app.caption, *app.markdown] if "pixel" in c.value], "not through Markdown"
        [note] = [h.value for h in app.get("html") if "pixel" in h.value]
        assert html.escape(planted) in note and "<img" not in note.replace("&lt;img", "")
        chinese = open_page("group", "zh", group="footwear")
        assert not [h.value for h in chinese.get("html") if "pixel" in h.value], "English notes: English pages only"
    finally:
        st.cache_resource.clear()


def _truncate_one_file(root: Path, table: str) -> Path:
    store = Store(root)
    version = store.root / table / (store.root / table / "CURRENT").read_text().strip()
    victim = sorted(version.rglob("*.parquet"))[0]
    victim.write_bytes(victim.read_bytes()[: victim.stat().st_size // 2])
    return victim


@pytest.mark.parametrize("table", ["trade", "group_market"])
def test_app_pages_a_damaged_table_gives_a_friendly_box_and_other_pages_work(
    metrics_store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, table: str
) -> None:
    root = tmp_path / "data"
    shutil.copytree(metrics_store, root)
    _truncate_one_file(root, table)
    monkeypatch.setenv("TRACKER_DATA_DIR", str(root))
    failed, worked = [], []
    for page in PAGES:
        app = run_page(page, {"lang": "en", "group": "toys"})
        assert not app.exception, (page, [e.message for e in app.exception])
        boxes = [e.value for e in app.error]
        hint = "python -m tracker metrics --force" if table == "group_market" else "python -m tracker store check"
        for box in boxes:
            assert f"`{table}`" in box and hint in box, box
            assert "other pages still work" not in box and "nor any other page that reads it" in box, box
            assert str(tmp_path) not in box and "Traceback" not in box and ".parquet" not in box, box
        (failed if boxes else worked).append(page)
    assert failed, "a page that reads the damaged table says so"
    assert "overview" in worked and "reports" in worked, (failed, worked)
    [box] = [e.value for e in run_page(failed[0], {"lang": "zh", "group": "toys"}).error]
    assert f"`{table}`" in box and hint in box and "其他页面不受影响" not in box, box
