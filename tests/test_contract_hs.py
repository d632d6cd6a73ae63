"""Contract test against the real HS 2022 nomenclature in ../shared/fixtures/hs (skipped when absent).

Every HS code configured in config/product_groups.toml must exist in HS 2022 at its own level, so that a
typo such as "9530" for "9503" cannot silently fetch the wrong goods.
"""

from __future__ import annotations

import polars as pl
import pytest

from tests.conftest import SHARED_FIXTURES
from tracker.config import Config

HS_FILE = SHARED_FIXTURES / "hs" / "harmonized-system.csv"
pytestmark = pytest.mark.skipif(not HS_FILE.is_file(), reason="../shared/fixtures/hs is absent")


def test_contract_hs_every_configured_code_exists_in_hs2022(config: Config) -> None:
    nomenclature = pl.read_csv(HS_FILE, schema_overrides={"hscode": pl.String})
    known = set(nomenclature["hscode"].to_list())
    assert len(known) > 6000
    missing = {group.id: [code for code in group.hs_codes if code not in known] for group in config.groups}
    assert {group: codes for group, codes in missing.items() if codes} == {}


def test_contract_hs_levels_match_code_lengths() -> None:
    nomenclature = pl.read_csv(HS_FILE, schema_overrides={"hscode": pl.String})
    lengths = nomenclature.select(pl.col("hscode").str.len_chars().alias("length"), pl.col("level").cast(pl.Int64))
    assert (lengths["length"] == lengths["level"]).all()
