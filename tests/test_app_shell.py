"""The Streamlit shell runs on the sample data in both languages, with the sample banner."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tracker.config import REPO_ROOT


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_app_shell_status_page_shows_tables_and_sample_banner(
    metrics_store: Path, lang: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRACKER_DATA_DIR", str(metrics_store))
    app = AppTest.from_file(str(REPO_ROOT / "app.py"), default_timeout=60)
    app.query_params["lang"] = lang
    app.run()
    assert not app.exception
    app.switch_page("tracker/ui/pages/status.py").run()
    assert not app.exception
    banner = " ".join(w.value for w in app.warning)
    assert ("Sample data" if lang == "en" else "样例数据") in banner
    tables = app.dataframe[0].value
    assert "trade" in list(tables["table"])
