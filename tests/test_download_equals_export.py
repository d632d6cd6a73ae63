"""A download button in the app serves exactly the bytes `python -m tracker export` writes for the same filters."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.testing.v1 import AppTest

from tracker.config import REPO_ROOT

from .app_helpers import open_page


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> dict[str, Callable[[], bytes]]:
    """Capture the deferred download callables the app registers: file id → what a click would serve."""
    callables: dict[str, Callable[[], bytes]] = {}
    original = MediaFileManager.add_deferred

    def add_deferred(self, data_callable, *args, **kwargs) -> str:
        file_id = original(self, data_callable, *args, **kwargs)
        callables[file_id] = data_callable
        return file_id

    monkeypatch.setattr(MediaFileManager, "add_deferred", add_deferred)
    return callables


def _button_bytes(app: AppTest, served: dict[str, Callable[[], bytes]], key: str) -> bytes:
    button = next(b for b in app.get("download_button") if b.proto.id.endswith(key))
    return served[button.proto.deferred_file_id]()


def _cli_export(store: Path, out: Path, table: str, fmt: str, **filters: str) -> bytes:
    command = [sys.executable, "-m", "tracker", "export", "--table", table, "--format", fmt, "--out", str(out)]
    for name, value in filters.items():
        command += [f"--{name}", value]
    subprocess.run(command, cwd=REPO_ROOT, env={**os.environ, "TRACKER_DATA_DIR": str(store)}, check=True,
                   capture_output=True)
    return out.read_bytes()


@pytest.mark.parametrize(
    ("page", "params", "button", "table", "filters"),
    [
        ("group", {"group": "toys", "exporter": "CHN", "years": "2020-2025"}, "dl_group_market_csv",
         "group_market", {"group": "toys", "exporter": "CHN", "years": "2020,2021,2022,2023,2024,2025"}),
        ("market", {"group": "furniture", "market": "DEU", "years": "2023-2025"}, "dl_market_csv",
         "group_market", {"group": "furniture", "market": "DEU", "years": "2023,2024,2025"}),
        ("opportunities", {"group": "toys", "exporter": "CHN", "years": "2020-2025"}, "dl_potential_csv",
         "group_export_potential", {"group": "toys", "exporter": "CHN", "years": "2025"}),
        ("overview", {"exporter": "VNM", "years": "2021-2025"}, "dl_overview_csv",
         "group_exporter", {"exporter": "VNM", "years": "2021,2022,2023,2024,2025"}),
        ("downloads", {"group": "toys", "exporter": "CHN", "years": "2024-2025", "flow": "export", "table": "trade"},
         "dl_dl_trade_csv", "trade",
         {"group": "toys", "exporter": "CHN", "years": "2024,2025", "flow": "export"}),
        ("downloads", {"group": "toys", "exporter": "CHN", "market": "DEU", "years": "2024-2025", "flow": "import",
                       "freq": "M", "table": "trade"},
         "dl_dl_trade_csv", "trade", {"group": "toys", "exporter": "CHN", "market": "DEU", "years": "2024,2025",
                                      "flow": "import", "frequency": "M"}),
    ],
)
def test_download_equals_export_csv_byte_for_byte(
    app_store: Path, tmp_path: Path, served: dict,
    page: str, params: dict[str, str], button: str, table: str, filters: dict[str, str],
) -> None:
    app = open_page(page, "en", **params)
    downloaded = _button_bytes(app, served, button)
    exported = _cli_export(app_store, tmp_path / "out.csv", table, "csv", **filters)
    assert downloaded.count(b"\n") > 5
    assert b"sample" in downloaded.split(b"\n", 1)[0]  # the sample flag travels with the data
    assert downloaded == exported


def test_download_with_a_data_basis_equals_export_with_basis_xlsx(
    app_store: Path, tmp_path: Path, served: dict
) -> None:
    """The basis choice travels too: same rows, and the same filters in the workbook's provenance sheet."""
    app = open_page("group", "en", group="toys", exporter="CHN", years="2024-2025", basis="reported")
    assert app.selectbox(key="f_basis").value == "reported"
    downloaded = _button_bytes(app, served, "dl_group_market_xlsx")
    exported = _cli_export(app_store, tmp_path / "out.xlsx", "group_market", "xlsx", group="toys",
                           exporter="CHN", years="2024,2025", basis="reported")
    assert downloaded == exported
    with zipfile.ZipFile(io.BytesIO(downloaded)) as workbook:
        strings = workbook.read("xl/sharedStrings.xml").decode("utf-8")
    assert ">group=toys; exporter=CHN; years=2024,2025; value_provenance=reported<" in strings
