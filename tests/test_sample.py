"""The sample generator: deterministic, plausible, complete enough for every view, labelled as sample."""

from __future__ import annotations

import dataclasses
import hashlib
from pathlib import Path

import polars as pl
import pytest

from tracker.config import Config
from tracker.sample import DEFAULT_SEED, generate_sample, generate_trade, write_sample
from tracker.schemas import SAMPLE_SOURCE, validate
from tracker.store import Store
from tracker.tables import schema_for


@pytest.fixture(scope="module")
def sample(config: Config):
    return generate_sample(config, DEFAULT_SEED)


def _digest(root: Path) -> dict[str, str]:
    return {
        str(path.relative_to(root)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*.parquet"))
    }


def test_sample_same_seed_gives_same_bytes(config: Config, tmp_path: Path) -> None:
    write_sample(Store(tmp_path / "a"), config, seed=7)
    write_sample(Store(tmp_path / "b"), config, seed=7)
    first, second = _digest(tmp_path / "a"), _digest(tmp_path / "b")
    assert len(first) >= 13  # trade by year, ecommerce, macro
    assert first == second


def test_sample_other_seed_gives_other_data(config: Config) -> None:
    small = dataclasses.replace(config, groups=config.groups[:2])
    assert not generate_trade(small, seed=7).equals(generate_trade(small, seed=8))
    assert generate_trade(small, seed=7).equals(generate_trade(small, seed=7))


def test_sample_frames_pass_their_schemas(sample) -> None:
    validate(schema_for("trade"), sample.trade)
    validate(schema_for("ecommerce"), sample.ecommerce)
    validate(schema_for("macro"), sample.macro)


def test_sample_covers_groups_markets_exporters_and_years(sample, config: Config) -> None:
    trade = sample.trade
    assert set(trade["source"].unique()) == {SAMPLE_SOURCE}
    bilateral = trade.filter((pl.col("flow") == "import") & (pl.col("partner") != "WLD"))
    assert bilateral["reporter"].n_unique() >= 40
    assert bilateral["partner"].n_unique() >= 12
    assert trade["year"].min() == 2015
    assert set(trade["frequency"].unique()) == {"A", "M"}
    codes = set(trade["hs_code"].unique())
    for group in config.groups:
        assert set(group.hs_codes) <= codes, group.id
    assert "TOTAL" in codes
    assert sample.ecommerce["market"].n_unique() >= 10
    assert {"I_BLT12", "I_BPG_WRLD"} <= set(sample.ecommerce["indicator"].unique())


def test_sample_monthly_rows_sum_to_annual(sample) -> None:
    trade = sample.trade
    key = ["flow", "reporter", "partner", "hs_code", "year"]
    monthly = trade.filter(pl.col("frequency") == "M").group_by(key).agg(pl.col("value_usd").sum().alias("months"))
    annual = trade.filter(pl.col("frequency") == "A").select([*key, "value_usd"])
    joined = monthly.join(annual, on=key)
    assert joined.height > 1000
    relative_error = ((joined["months"] - joined["value_usd"]).abs() / joined["value_usd"]).max()
    assert relative_error < 0.01


def test_sample_world_imports_exceed_sum_of_tracked_suppliers(sample) -> None:
    trade = sample.trade.filter((pl.col("frequency") == "A") & (pl.col("flow") == "import"))
    suppliers = trade.filter(pl.col("partner") != "WLD").group_by("reporter", "hs_code", "year").agg(
        pl.col("value_usd").sum().alias("suppliers"))
    world = trade.filter(pl.col("partner") == "WLD").select("reporter", "hs_code", "year", "value_usd")
    joined = suppliers.join(world, on=["reporter", "hs_code", "year"])
    assert joined.height > 1000
    assert (joined["value_usd"] >= joined["suppliers"]).all()


def test_sample_has_missing_and_zero_weights_like_comtrade(sample) -> None:
    weights = sample.trade.filter(pl.col("partner") != "WLD")["net_weight_kg"]
    assert weights.null_count() > 0
    assert (weights == 0).sum() > 0


def test_sample_codes_inside_another_never_exceed_it(sample, config: Config) -> None:
    """48 ⊃ 4820, 61 ⊃ 6111, 62 ⊃ 6209, 9405 ⊃ 940542 (configured in different groups): in every flow,
    reporter, partner, year and month the part is at most its whole, as in real data."""
    codes = sorted({code for group in config.groups for code in group.hs_codes})
    pairs = [(whole, part) for whole in codes for part in codes if part != whole and part.startswith(whole)]
    assert len(pairs) >= 4
    key = ["flow", "reporter", "partner", "period"]
    for whole, part in pairs:
        parts = sample.trade.filter(pl.col("hs_code") == part).select(*key, pl.col("value_usd").alias("part"))
        wholes = sample.trade.filter(pl.col("hs_code") == whole).select(*key, pl.col("value_usd").alias("whole"))
        joined = parts.join(wholes, on=key, how="left")
        assert joined.height > 1000
        above = joined.filter(pl.col("whole").is_null() | (pl.col("part") > pl.col("whole")))
        assert above.is_empty(), (whole, part, above.head())


def test_sample_tariffs_plausible_and_labelled(sample, config: Config) -> None:
    tariff = validate(schema_for("tariff"), sample.tariff)
    assert set(tariff["source"]) == {SAMPLE_SOURCE} and set(tariff["provenance"]) == {"estimated"}
    assert {"USA", "EUU", "JPN", "GBR"} <= set(tariff["market"])
    assert tariff.filter((pl.col("market") == "GBR") & (pl.col("year") <= 2020)).is_empty()  # the EU's, then
    mfn = tariff.filter(pl.col("tariff_type") == "MFN")
    assert set(mfn["partner"]) == {"WLD"} and mfn["avg_rate_pct"].is_between(0, 60).all()
    prf = tariff.filter(pl.col("tariff_type") == "PRF").join(
        mfn.select("market", "hs_code", "year", pl.col("avg_rate_pct").alias("mfn")), on=["market", "hs_code", "year"])
    assert prf.height > 0 and (prf["avg_rate_pct"] < prf["mfn"]).all()  # a preference is below MFN
    india_toys = mfn.filter((pl.col("market") == "IND") & pl.col("hs_code").str.starts_with("9503"))
    assert set(india_toys.filter(pl.col("year") == 2019)["avg_rate_pct"]) == {20.0}
    assert set(india_toys.filter(pl.col("year") == 2020)["avg_rate_pct"]) == {60.0}
