"""Every page of the real app renders in headless Chromium without an error, in both languages."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench_ui.browser import browser_missing, chromium, new_page, open_rendered, serve
from tracker.config import REPO_ROOT

from .zh_text import VISIBLE_TEXT_JS, english_words

pytestmark = pytest.mark.browser
SCREENSHOTS = REPO_ROOT / "test-output" / "screenshots"
PAGES = ("", "group", "market", "competitors", "ecommerce", "opportunities", "demand", "downloads", "reports",
         "status")
ERROR_SELECTOR = '[data-testid="stException"], [data-testid="stAlertContentError"]'


@pytest.fixture(scope="module")
def app_url(metrics_store: Path):
    reason = browser_missing()
    if reason:
        pytest.skip(f"browser test skipped: {reason}")
    with serve(REPO_ROOT / "app.py", env={"TRACKER_DATA_DIR": str(metrics_store)}) as base:
        yield base


@pytest.fixture(scope="module")
def browser(app_url: str):
    """One headless Chromium for the module; each test opens its own page (and browser context) in it."""
    with chromium() as launched:
        yield launched


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_browser_every_page_renders_without_error(app_url: str, browser, lang: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    blocked: list[str] = []
    page = new_page(browser, blocked)
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    for path in PAGES:
        url = f"{app_url}/{path}?lang={lang}&group=toys"
        requested.clear()
        open_rendered(page, url, timeout_ms=120_000)  # a cold first load on a busy 2-core machine
        if path == "group":  # the default section's map is HTML tiles: plotly.js is not even downloaded
            assert page.locator('.tile-map [data-code][title]').count() > 50, url
            assert not [u for u in requested if "Plotly" in u], url
        page.screenshot(path=str(SCREENSHOTS / f"{path or 'overview'}_{lang}.png"), full_page=True)
        errors = page.locator(ERROR_SELECTOR)
        assert errors.count() == 0, f"{url}: {errors.first.inner_text()}"
        assert page.locator('[data-testid="stMainBlockContainer"] h1').count() >= 1, url
        assert page.get_by_text("Deploy", exact=True).count() == 0, "no Deploy button (client.toolbarMode)"
        if lang == "zh":  # every visible text node, sidebar and chart text included
            found = english_words(page.evaluate(VISIBLE_TEXT_JS))
            assert not found, f"{url}: {found}"
    # Filters survive a page switch in the sidebar (Streamlit clears the query string; the app restores it).
    page.locator('[data-testid="stSidebarNav"] a[href$="/market"]').click()
    page.wait_for_url(lambda url: "/market?" in url and "group=toys" in url, timeout=30_000)
    assert f"lang={lang}" in page.url and "group=toys" in page.url, page.url
    page.context.close()
    assert not blocked, f"the app tried to reach other hosts: {blocked[:5]}"


def test_browser_overview_link_opens_the_group_and_sorting_reorders_the_table(app_url: str, browser) -> None:
    """The HTML summary tables work in a real browser: a group's name opens its page in the same tab, and a
    "sort by" choice reorders the rows and lands in the address bar."""
    blocked: list[str] = []
    page = new_page(browser, blocked)
    open_rendered(page, f"{app_url}/?lang=en&exporter=CHN")
    table = page.locator("table.tracker-table")
    assert table.locator("tbody tr").count() > 10
    table.locator('tr[data-key="toys"] a').click()
    page.wait_for_url(lambda url: "/group?" in url and "group=toys" in url, timeout=30_000)
    page.locator("h1", has_text="Toys, games and festive articles").wait_for(timeout=30_000)

    open_rendered(page, f"{app_url}/group?lang=en&group=toys&exporter=CHN")
    rows = page.locator("table.tracker-table tbody tr")
    by_value = rows.evaluate_all("rows => rows.map(r => r.dataset.key)")
    page.locator('[data-testid="stSelectbox"]', has_text="Sort by").click()
    page.keyboard.type("Market share (%) ↑")  # the option list is virtualised: filter it, then pick
    page.get_by_role("option", name="Market share (%) ↑").click()
    page.wait_for_url(lambda url: "sort=market_share%3Aasc" in url or "sort=market_share:asc" in url,
                      timeout=30_000)
    page.wait_for_function(
        "first => document.querySelector('table.tracker-table tbody tr').dataset.key !== first",
        arg=by_value[0], timeout=30_000,
    )
    shares = rows.evaluate_all("rows => rows.map(r => parseFloat(r.children[4].textContent))")
    assert shares == sorted(shares) and len(shares) == len(by_value)
    page.context.close()
    assert not blocked, f"the app tried to reach other hosts: {blocked[:5]}"


# Each summary table: every row on the page (no box of its own to scroll) and every column inside its frame.
TABLE_FITS_JS = """() => [...document.querySelectorAll('.tracker-table-wrap')].map(wrap => {
  const heads = [...wrap.querySelectorAll('th')];
  const frame = wrap.getBoundingClientRect();
  return {rows: wrap.querySelectorAll('tbody tr').length,
          scrollsDown: wrap.scrollHeight > wrap.clientHeight + 1,
          scrollsAcross: wrap.scrollWidth > wrap.clientWidth + 1,
          cut: heads.filter(h => h.getBoundingClientRect().right > frame.right + 1).map(h => h.textContent)};
})"""


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_browser_summary_tables_show_every_row_and_column_at_1440_px(app_url: str, browser, metrics_store: Path,
                                                                       config, lang: str) -> None:
    import polars as pl

    from tracker.store import Store

    blocked: list[str] = []
    page = new_page(browser, blocked)
    page.set_viewport_size({"width": 1440, "height": 900})
    open_rendered(page, f"{app_url}/?lang={lang}&exporter=CHN")
    [overview] = page.evaluate(TABLE_FITS_JS)
    assert overview == {"rows": len(config.groups), "scrollsDown": False, "scrollsAcross": False, "cut": []}
    open_rendered(page, f"{app_url}/group?lang={lang}&group=toys&exporter=CHN&years=2020-2025")
    markets = Store(metrics_store).scan("group_market").filter(
        pl.col("group") == "toys", pl.col("exporter") == "CHN", pl.col("year") == 2025
    ).select(pl.len()).collect().item()
    [table] = page.evaluate(TABLE_FITS_JS)
    assert table == {"rows": min(markets, 100), "scrollsDown": False, "scrollsAcross": False, "cut": []}, markets
    page.context.close()


def test_browser_report_chart_labels_fit_their_charts(browser, metrics_store: Path, config) -> None:
    """Rendered by Chromium with the machine's CJK font, every label of every chart of the Chinese toys report
    lies inside its SVG (the value labels lost their first digits before: "136.11 亿美元" read "6.11 亿美元")."""
    from tracker.reports import ReportInputs, build_report, render_report
    from tracker.store import Store

    report = render_report(build_report(ReportInputs.from_store(Store(metrics_store)), config, "toys", "2024"),
                           config, "zh", "html")
    page = new_page(browser, [])
    page.set_content(report)
    boxes = page.evaluate("""() => [...document.querySelectorAll('svg')].flatMap(svg => {
      const width = svg.viewBox.baseVal.width;
      return [...svg.querySelectorAll('text')].map(t => {
        const box = t.getBBox();
        return [t.textContent, Math.round(box.x * 10) / 10, Math.round((box.x + box.width) * 10) / 10, width];
      });
    })""")
    assert len(boxes) > 20 and any("亿美元" in text for text, *_ in boxes)
    outside = [b for b in boxes if b[1] < 0 or b[2] > b[3]]
    assert not outside, outside
    page.context.close()


PLANTED_SCRIPT = """<p id="planted">planted report</p><script>
document.body.dataset.ran = "1";
try { window.parent.parent.document.title = "pwned"; } catch (e) {}
fetch("/planted-ran").catch(() => {});
</script>"""
NOTES = "![x](http://127.0.0.2/pixel.png) **bold** <img src=http://127.0.0.2/i.png>"


@pytest.fixture(scope="module")
def hostile_url(metrics_store: Path, tmp_path_factory: pytest.TempPathFactory, config):
    """The app on a copy of the store holding reports nobody should trust, with Markdown in a group's notes."""
    import shutil

    from tracker.reports import ReportInputs, write_report
    from tracker.reports.files import record_report
    from tracker.store import Store

    if browser_missing():
        pytest.skip(f"browser test skipped: {browser_missing()}")
    base = tmp_path_factory.mktemp("hostile")
    root, config_dir = base / "data", base / "config"
    shutil.copytree(metrics_store, root)
    shutil.copytree(REPO_ROOT / "config", config_dir)
    groups = config_dir / "product_groups.toml"
    groups.write_text(groups.read_text(encoding="utf-8").replace('notes = "HS chapter 64."', f"notes = '{NOTES}'"),
                      encoding="utf-8")
    reports = root / "reports"
    write_report(config, ReportInputs.from_store(Store(root)), "toys", "2025", "en", "html", reports)
    (reports / "toys" / "2031.en.html").write_text(PLANTED_SCRIPT, encoding="utf-8")  # dropped in: not listed
    recorded = reports / "toys" / "2030.en.html"  # even one recorded as ours (say, a tampered manifest)...
    recorded.write_text(PLANTED_SCRIPT, encoding="utf-8")
    record_report(reports, recorded, recorded.read_bytes())
    with serve(REPO_ROOT / "app.py", env={"TRACKER_DATA_DIR": str(root), "TRACKER_CONFIG_DIR": str(config_dir)}) as url:
        yield url


def test_browser_a_planted_report_cannot_run_script(hostile_url: str, browser) -> None:
    """...is shown in a sandbox where its script never runs: no change to its own page, the dashboard's title
    or the server's request log."""
    blocked: list[str] = []
    page = new_page(browser, blocked)
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    open_rendered(page, f"{hostile_url}/reports?lang=en")
    title = page.title()
    page.locator('[data-testid="stSelectbox"]', has_text="Report to read").click()
    listed = page.get_by_role("option").all_inner_texts()
    page.keyboard.press("Escape")
    assert any("2025" in o for o in listed) and not any("2031" in o for o in listed), listed
    outer = page.frame_locator('iframe[title*="2030"]')  # the newest recorded report is shown first
    inner = outer.frame_locator("iframe[sandbox]")
    inner.locator("#planted").wait_for(timeout=30_000)
    assert page.locator('iframe[title*="2030"]').count() == 1
    assert outer.locator("iframe[sandbox]").get_attribute("sandbox") == ""
    page.wait_for_timeout(1_000)  # time for a script to have run, were it allowed to
    assert inner.locator("body").get_attribute("data-ran") is None, "the report's script ran"
    assert page.title() == title != "pwned"
    assert not [u for u in requested if "planted-ran" in u], requested
    page.context.close()
    assert not blocked, blocked


def test_browser_group_notes_are_plain_text_and_fetch_nothing(hostile_url: str, browser) -> None:
    blocked: list[str] = []
    page = new_page(browser, blocked)
    open_rendered(page, f"{hostile_url}/group?lang=en&group=footwear")
    note = page.locator("p.group-notes")
    assert note.inner_text().strip() == NOTES, "shown as typed"
    assert note.locator("img, strong, a").count() == 0, "no image, emphasis or link made of it"
    page.wait_for_timeout(500)
    page.context.close()
    assert not blocked, f"the page asked another host: {blocked}"


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_browser_findings_list_links_to_the_page_that_shows_them(app_url: str, browser, lang: str) -> None:
    """The findings at the top of the Overview: three to six sentences with their amounts (a "$" stays a
    dollar sign, not the start of a formula), and a link that opens the page behind them in the same tab."""
    blocked: list[str] = []
    page = new_page(browser, blocked)
    open_rendered(page, f"{app_url}/?lang={lang}&exporter=CHN", timeout_ms=120_000)
    items = page.locator("ol.tracker-findings li")
    assert 3 <= items.count() <= 6
    unit = {"en": "$", "zh": "亿美元"}[lang]
    assert all(unit in text for text in items.all_inner_texts())
    link = items.first.locator("a")
    href = link.get_attribute("href") or ""
    assert href.startswith("./") and href.endswith(f"lang={lang}"), href
    page_name = href[2:].split("?", 1)[0]
    link.click()
    page.wait_for_url(lambda url: f"/{page_name}?" in url and f"lang={lang}" in url, timeout=30_000)
    page.locator('[data-testid="stMainBlockContainer"] h1').first.wait_for(timeout=60_000)
    page.context.close()
    assert not blocked, f"the app tried to reach other hosts: {blocked[:5]}"
