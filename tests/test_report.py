"""Reports on the sample data: headline figures equal the metric tables, self-contained, deterministic."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import polars as pl
import pytest

from tracker.cli import main
from tracker.config import REPO_ROOT, Config, load_config
from tracker.refresh import refresh_metric_tables
from tracker.reports import ReportInputs, build_report, list_reports, render_report, write_report
from tracker.reports.render import percent, ratio, signed_percent, usd
from tracker.reports.svg import bar_chart, line_chart
from tracker.sample import write_sample
from tracker.store import Store

GROUPS = ("toys", "footwear")


@pytest.fixture(scope="module")
def sample_world(tmp_path_factory: pytest.TempPathFactory) -> tuple[Config, Store]:
    """Two groups of sample data with their metric tables, computed by the metrics package."""
    folder = tmp_path_factory.mktemp("report")
    config_dir = folder / "config"
    shutil.copytree(REPO_ROOT / "config", config_dir)
    groups_file = config_dir / "product_groups.toml"
    head, *blocks = groups_file.read_text(encoding="utf-8").split("\n[[group]]\n")
    kept = [b for b in blocks if re.search(rf'^id = "({"|".join(GROUPS)})"', b, re.M)]
    groups_file.write_text(head + "".join("\n[[group]]\n" + b for b in kept), encoding="utf-8")
    config = load_config(config_dir)
    store = Store(folder / "data")
    write_sample(store, config, 2026)
    refresh_metric_tables(store, config)
    return config, store


def _home_row(store: Store, config: Config, group: str, year: int) -> dict[str, object]:
    return store.scan("group_exporter").filter(
        (pl.col("group") == group) & (pl.col("exporter") == config.scope.home_exporter) & (pl.col("year") == year)
    ).collect().row(0, named=True)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_report_headline_equals_metric_tables(sample_world: tuple[Config, Store], lang: str) -> None:
    config, store = sample_world
    year = 2024
    row = _home_row(store, config, "toys", year)
    content = build_report(ReportInputs.from_store(store), config, "toys", str(year))
    headline = content.sections[0].headline
    assert headline is not None
    assert (headline.export_value_usd, headline.growth_yoy, headline.world_share, headline.rca) == (
        row["export_value_usd"], row["growth_yoy"], row["world_share"], row["rca"])
    text = render_report(content, config, lang, "html")
    for figure in (usd(row["export_value_usd"], lang), signed_percent(row["growth_yoy"]),
                   percent(row["world_share"]), ratio(row["rca"])):
        assert figure in text
    assert config.group("toys").name(lang) in text


def test_report_movers_are_the_largest_share_changes(sample_world: tuple[Config, Store]) -> None:
    config, store = sample_world
    content = build_report(ReportInputs.from_store(store), config, "toys", "2024")
    changes = store.scan("group_market").filter(
        (pl.col("group") == "toys") & (pl.col("exporter") == config.scope.home_exporter) & (pl.col("year") == 2024)
    ).select("market_share_change_pp").collect().to_series().drop_nulls()
    section = content.sections[0]
    assert section.fallers[0].change_pp == changes.min()
    assert section.risers[0].change_pp == changes.max()


def test_report_monthly_headline_sums_the_monthly_table(sample_world: tuple[Config, Store]) -> None:
    config, store = sample_world
    period = store.scan("group_market_monthly").select(pl.col("period").max()).collect().item()
    expected = store.scan("group_market_monthly").filter(
        (pl.col("group") == "toys") & (pl.col("exporter") == config.scope.home_exporter) & (pl.col("period") == period)
    ).select(pl.col("export_value_usd").sum()).collect().item()
    content = build_report(ReportInputs.from_store(store), config, "toys", period)
    monthly = content.sections[0].monthly
    assert monthly is not None and monthly.export_value_usd == pytest.approx(expected, rel=1e-12)
    assert usd(monthly.export_value_usd, "zh") in render_report(content, config, "zh", "md")


@pytest.mark.parametrize(("lang", "fmt"), [("en", "html"), ("zh", "html"), ("en", "md"), ("zh", "md")])
def test_report_is_self_contained(sample_world: tuple[Config, Store], lang: str, fmt: str) -> None:
    config, store = sample_world
    text = render_report(build_report(ReportInputs.from_store(store), config, "all", "2024"), config, lang, fmt)
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", text, re.IGNORECASE)
    assert "<script" not in text.lower() and "@import" not in text and "url(" not in text
    assert ("<svg" in text) if fmt == "html" else ("data:image/svg+xml;base64," in text)


def test_report_is_deterministic(sample_world: tuple[Config, Store], tmp_path: Path) -> None:
    config, store = sample_world
    first = write_report(config, ReportInputs.from_store(store), "all", "2024", "zh", "html", tmp_path / "a")
    second = write_report(config, ReportInputs.from_store(store), "all", "2024", "zh", "html", tmp_path / "b")
    assert first.read_bytes() == second.read_bytes()
    assert first.relative_to(tmp_path / "a") == Path("all/2024.zh.html")


def test_report_labels_sample_data_and_vintage(sample_world: tuple[Config, Store]) -> None:
    config, store = sample_world
    content = build_report(ReportInputs.from_store(store), config, "footwear", "2024")
    assert content.vintage.sample and content.vintage.sources == ("sample",)
    assert content.vintage.newest_fetch is not None
    english = render_report(content, config, "en", "html")
    assert '<div class="banner" role="alert">SAMPLE DATA' in english
    assert f"{content.vintage.newest_fetch:%Y-%m-%d %H:%M}" in english
    assert "样例数据" in render_report(content, config, "zh", "md")


def test_report_all_groups_has_a_section_per_group(sample_world: tuple[Config, Store]) -> None:
    config, store = sample_world
    content = build_report(ReportInputs.from_store(store), config, "all", "2024")
    assert [section.group for section in content.sections] == list(config.group_ids)


def test_report_command_writes_and_lists(sample_world: tuple[Config, Store], monkeypatch: pytest.MonkeyPatch,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    config, store = sample_world
    monkeypatch.setenv("TRACKER_DATA_DIR", str(store.root))
    monkeypatch.setenv("TRACKER_CONFIG_DIR", str(config.directory))
    assert main(["report", "--group", "toys", "--period", "2024", "--lang", "zh", "--format", "md"]) == 0
    written = Path(capsys.readouterr().out.strip())
    assert written == store.root / "reports" / "toys" / "2024.zh.md"
    infos = [(r.group, r.period, r.lang, r.format, r.path) for r in list_reports(store.root)]
    assert ("toys", "2024", "zh", "md", written) in infos


def test_report_unknown_group_is_refused(sample_world: tuple[Config, Store]) -> None:
    config, store = sample_world
    from tracker.errors import ConfigError

    with pytest.raises(ConfigError, match="toys"):
        build_report(ReportInputs.from_store(store), config, "toyz", "2024")


def test_report_svg_charts_draw_negative_bars_left_of_zero() -> None:
    svg = bar_chart([("up", 2.0), ("down", -1.0)], "change", str)
    rects = re.findall(r'<rect x="([\d.]+)" y="[\d.]+" width="([\d.]+)"', svg)
    (up_x, up_w), (down_x, down_w) = ((float(x), float(w)) for x, w in rects)
    assert down_x + down_w == pytest.approx(up_x, abs=0.11)
    assert up_w == pytest.approx(2 * down_w, abs=0.11)
    assert line_chart([("2023", 1.0), ("2024", 2.0)], "trend", str).count("<circle") == 2


def test_report_command_refuses_periods_without_data_and_a_file_as_out(
    sample_world: tuple[Config, Store], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    config, store = sample_world
    monkeypatch.setenv("TRACKER_DATA_DIR", str(store.root))
    monkeypatch.setenv("TRACKER_CONFIG_DIR", str(config.directory))
    with pytest.raises(SystemExit) as exited:  # argparse: outside the years any flag may name
        main(["report", "--group", "toys", "--period", "1800"])
    assert exited.value.code == 2
    assert "'1800' is not between 1990 and 2100" in capsys.readouterr().err
    assert main(["report", "--group", "toys", "--period", "2031"]) == 2
    err = capsys.readouterr().err
    assert "--period 2031: the metric tables hold no data for it (years 2015–" in err
    assert not (store.root / "reports" / "toys" / "2031.en.html").exists()
    a_file = tmp_path / "hostname"
    a_file.write_text("not a folder", encoding="utf-8")
    assert main(["report", "--group", "toys", "--period", "2024", "--out", str(a_file)]) == 2
    err = capsys.readouterr().err
    assert f"--out {a_file}: is a file; give a folder" in err and "Traceback" not in err
    assert a_file.read_text(encoding="utf-8") == "not a folder"
