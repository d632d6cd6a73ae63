"""Every page of the real app renders in headless Chromium without an error, in both languages."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench_ui.browser import browser_missing, chromium, new_page, open_rendered, serve
from tracker.config import REPO_ROOT

pytestmark = pytest.mark.browser
SCREENSHOTS = REPO_ROOT / "test-output" / "screenshots"
PAGES = ("", "group", "market", "competitors", "ecommerce", "opportunities", "downloads", "reports", "status")
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
        open_rendered(page, url)
        if path == "group":  # the default section's map is inline SVG: plotly.js is not even downloaded
            assert page.locator('svg[role="img"] title').count() > 50, url
            assert not [u for u in requested if "Plotly" in u], url
        page.screenshot(path=str(SCREENSHOTS / f"{path or 'overview'}_{lang}.png"), full_page=True)
        errors = page.locator(ERROR_SELECTOR)
        assert errors.count() == 0, f"{url}: {errors.first.inner_text()}"
        assert page.locator('[data-testid="stMainBlockContainer"] h1').count() >= 1, url
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
