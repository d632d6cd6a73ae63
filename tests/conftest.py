"""Shared fixtures: a private store and a private copy of the config for every test that needs one."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest

from tracker.config import REPO_ROOT, Config, load_config
from tracker.store import Store
from tracker.tables import TRADE

FIXTURES = Path(__file__).parent / "fixtures"
SHARED_FIXTURES = REPO_ROOT.parent / "shared" / "fixtures"


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty store folder, also exported as TRACKER_DATA_DIR for code that reads the environment."""
    folder = tmp_path / "data"
    monkeypatch.setenv("TRACKER_DATA_DIR", str(folder))
    return folder


@pytest.fixture
def store(data_dir: Path) -> Store:
    return Store(data_dir, lock_timeout=5)


@pytest.fixture
def config_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A writable copy of config/, exported as TRACKER_CONFIG_DIR."""
    folder = tmp_path / "config"
    shutil.copytree(REPO_ROOT / "config", folder)
    monkeypatch.setenv("TRACKER_CONFIG_DIR", str(folder))
    yield folder


@pytest.fixture
def fast_config_dir(config_dir: Path) -> Path:
    """The config copy with sources that may be called fast: a loopback fetch waits only for what it tests."""
    sources = config_dir / "sources.toml"
    sources.write_text(re.sub(r"requests_per_minute = \d+", "requests_per_minute = 6000",
                              sources.read_text(encoding="utf-8")), encoding="utf-8")
    return config_dir


@pytest.fixture(scope="session")
def config() -> Config:
    return load_config(REPO_ROOT / "config")


@pytest.fixture(scope="session")
def metrics_store(tmp_path_factory: pytest.TempPathFactory, config: Config) -> Path:
    """Sample data plus every metric table, built once per run; tests only read it."""
    from tracker.refresh import refresh_metric_tables
    from tracker.sample import write_sample

    root = tmp_path_factory.mktemp("sample_metrics") / "data"
    store = Store(root)
    write_sample(store, config)
    refresh_metric_tables(store, config)
    return root


@pytest.fixture
def app_store(metrics_store: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The shared sample-plus-metrics store, exported as TRACKER_DATA_DIR for the app; tests only read it."""
    monkeypatch.setenv("TRACKER_DATA_DIR", str(metrics_store))
    return metrics_store


def trade_rows(
    rows: list[dict[str, object]],
    fetched_at: datetime = datetime(2025, 6, 1, tzinfo=UTC),
    source: str = "comtrade",
) -> pl.DataFrame:
    """A canonical trade frame from short row dicts; unspecified columns get plausible defaults."""
    defaults: dict[str, object] = {
        "source": source, "flow": "import", "reporter": "USA", "partner": "CHN", "hs_code": "9503",
        "period": "2023", "frequency": "A", "value_usd": 100.0, "net_weight_kg": None, "quantity": None,
        "quantity_unit": None, "hs_revision": "H6", "provenance": "reported", "fetched_at": fetched_at,
    }
    full = []
    for row in rows:
        merged = {**defaults, **row}
        merged["year"] = int(str(merged["period"])[:4])
        if len(str(merged["period"])) == 7:
            merged["frequency"] = "M"
        full.append(merged)
    return pl.DataFrame(full, schema=TRADE.polars_schema, orient="row") if full else TRADE.empty()
